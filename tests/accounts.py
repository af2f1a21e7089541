"""Moderator accounts in tests: their credentials, making one, and logging one in.

The fixtures ``moderator``, ``admin`` and ``auth`` (``tests/conftest.py``) do this for the test's
own ``app`` and ``client``; the plain functions here serve apps and clients no fixture owns (a
module-wide world, a second server, a restore target).
"""

from __future__ import annotations

import time
from typing import Any, Protocol

import pyotp
from flask import Flask
from flask.testing import FlaskClient

from portal import installation
from portal.accounts import grants
from portal.accounts import service as accounts
from portal.cases import access_jobs
from portal.cases.access import Keyring
from portal.config import Config
from portal.db import new_session
from portal.models import Role, User
from portal.security import user_keys
from tests.csrf import get_csrf

PASSWORD = "correct horse battery staple"


class Account:
    def __init__(self, username: str, password: str, totp_secret: str, recovery_key: str | None) -> None:
        self.username = username
        self.password = password
        self.totp = pyotp.TOTP(totp_secret)
        self.recovery_key = recovery_key
        self._offset = 0

    def next_code(self) -> str:
        """A code not used before: the current step first, then the next (inside the ±1 window)."""
        code = self.totp.at(time.time() + 30 * self._offset)
        self._offset += 1
        return code


class AccountFactory(Protocol):
    """The ``moderator`` fixture: ``moderator("mona")``, ``moderator("ada", Role.ADMIN)``."""

    def __call__(self, username: str, role: Role = Role.MODERATOR, password: str = PASSWORD) -> Account: ...


def make_account(
    app: Flask,
    username: str,
    role: Role = Role.MODERATOR,
    password: str = PASSWORD,
    organisation_id: int | None = None,
) -> Account:
    """A stored account (the first one of its organisation gets the organisation key), committed
    here so that every later session and request sees it. Without ``organisation_id`` it goes to
    the installation's only organisation."""
    with app.app_context(), new_session() as db:
        created = accounts.create_user(
            db, username, role, password, app.config["PORTAL"], organisation_id=organisation_id
        )
        db.commit()
        return Account(username, password, created.totp_secret, created.recovery_key)


def keyring_of(user: User, password: str, config: Config) -> Keyring:
    """What the user's log-in puts in their session: an admin's organisation key, a plain
    moderator's own private key."""
    if user.is_admin:
        return Keyring(user.id, org_private_key=accounts.open_org_key(user, password, config))
    return Keyring(
        user.id, private_key=user_keys.open_private_key(user, password, installation.kdf_cost(config))
    )


def grant(app: Flask, username: str, by: Account) -> None:
    """The admin ``by`` lets ``username`` read cases, as the users page does; a plain moderator's
    access job has sealed all their case keys when this returns."""
    with app.app_context(), new_session() as db:
        actor = accounts.find(db, by.username)
        key = accounts.open_org_key(actor, by.password, app.config["PORTAL"])
        grants.grant(db, accounts.find(db, username), key, actor)
        db.commit()
    access_jobs.wait()


class AuthActions:
    """Logging in and out through the moderators' log-in page, as Flaskr's tests do."""

    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, account: Account, **overrides: Any) -> Any:
        """POST the log-in form with the account's factors; ``overrides`` replace form fields."""
        token = get_csrf(self._client, "/moderation/login")
        data = {
            "username": account.username,
            "password": account.password,
            "totp": account.next_code(),
            "csrf_token": token,
        }
        data.update(overrides)
        return self._client.post("/moderation/login", data=data)

    def logout(self) -> Any:
        token = get_csrf(self._client, "/moderation/")
        return self._client.post("/moderation/logout", data={"csrf_token": token})
