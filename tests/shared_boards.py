"""A region of three organisations for forum tests: org1 with the default boards, "b" sharing the
board "regionen" with it, and "c" taking part in none."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import organisations
from portal.accounts import service as accounts
from portal.db import new_session
from portal.forum import sharing
from portal.models import Role, User
from tests.accounts import PASSWORD, Account, AuthActions
from tests.forum_helpers import seed

SHARED = "regionen"
SHARED_NAME = "Regionens socialsekreterare"


@dataclass(frozen=True)
class Region:
    anna: Account  # org1's admin, appointed for shared boards
    bert: Account  # b's admin, appointed
    bodil: Account  # b's moderator, not appointed
    cilla: Account  # c's admin, appointed, but c takes part in no shared board


def _account(
    db: Session, app: Flask, name: str, role: Role, organisation_id: int, appointed: bool
) -> Account:
    made = accounts.create_user(
        db, name, role, PASSWORD, app.config["PORTAL"], organisation_id=organisation_id
    )
    db.flush()
    user = db.scalar(select(User).where(User.username == name))
    assert user is not None
    sharing.appoint(db, user, appointed, None)
    return Account(name, PASSWORD, made.totp_secret, made.recovery_key)


def region(app: Flask) -> Region:
    """The three organisations, their moderators and the shared board, committed."""
    seed(app)
    with app.app_context(), new_session() as db:
        first = organisations.only(db)
        b = organisations.create(db, "b", "Kommun B")
        c = organisations.create(db, "c", "Kommun C")
        sharing.share_board(
            db, SHARED, [first.id, b.id], {"sv": SHARED_NAME, "en": "The region's social workers"}
        )
        made = Region(
            anna=_account(db, app, "anna", Role.ADMIN, first.id, True),
            bert=_account(db, app, "bert", Role.ADMIN, b.id, True),
            bodil=_account(db, app, "bodil", Role.MODERATOR, b.id, False),
            cilla=_account(db, app, "cilla", Role.ADMIN, c.id, True),
        )
        db.commit()
        return made


def logged_in(app: Flask, account: Account) -> FlaskClient:
    client = app.test_client()
    response = AuthActions(client).login(account)
    assert response.status_code == 302, response.status_code
    return client
