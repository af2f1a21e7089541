"""Fixtures: one app per test, on SQLite and (when reachable) on PostgreSQL + Redis.

``PORTAL_TEST_DATABASE_URL`` and ``PORTAL_TEST_REDIS_URL`` switch on the second backend;
without them those runs are skipped with a reason saying what is missing.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypedDict

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal import create_app, dispose
from portal.accounts import service as accounts
from portal.config import Config
from portal.db import Base
from portal.models import Role
from tests.scratch_backend import scratch_postgres

PG_URL = os.environ.get("PORTAL_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL", "")
CLIENT_ADDRESS = "203.0.113.77"  # TEST-NET-3: must never appear in a row, file or log line
PASSWORD = "correct horse battery staple"


class KdfFields(TypedDict):
    """The Config fields of the Argon2 cost, so that ``Config(**CHEAP_KDF)`` type-checks."""

    argon2_memory_kib: int
    argon2_time_cost: int
    argon2_parallelism: int


# argon2's minimum cost: tests of the real parameters set them explicitly.
CHEAP_KDF: KdfFields = {"argon2_memory_kib": 8, "argon2_time_cost": 1, "argon2_parallelism": 1}


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql" and not (PG_URL and REDIS_URL):
        pytest.skip("PostgreSQL/Redis run skipped: set PORTAL_TEST_DATABASE_URL and PORTAL_TEST_REDIS_URL")
    return str(request.param)


@pytest.fixture
def config(backend: str, tmp_path: Path) -> Iterator[Config]:
    base = Config(
        secret_key="test-secret-" + uuid.uuid4().hex,
        instance_path=tmp_path / "instance",
        testing=True,
        **CHEAP_KDF,
    )
    if backend == "sqlite":
        yield base
        return
    with scratch_postgres(PG_URL, REDIS_URL) as scratch:
        yield base.replace(
            database_url=scratch.database_url, redis_url=REDIS_URL, redis_prefix=scratch.redis_prefix
        )


@pytest.fixture
def app(config: Config) -> Iterator[Flask]:
    application = create_app(config)
    engine = application.extensions["portal.engine"]
    Base.metadata.create_all(engine)
    yield application
    dispose(application)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    test_client = app.test_client()
    test_client.environ_base["REMOTE_ADDR"] = CLIENT_ADDRESS
    return test_client


class Account:
    def __init__(self, username: str, password: str, totp_secret: str, recovery_key: str | None) -> None:
        self.username = username
        self.password = password
        self.totp = pyotp.TOTP(totp_secret)
        self.recovery_key = recovery_key
        self._offset = 0

    def next_code(self) -> str:
        """A code not used before: the current step first, then the next (inside the ±1 window)."""
        import time

        code = self.totp.at(time.time() + 30 * self._offset)
        self._offset += 1
        return code


def make_account(app: Flask, username: str, role: Role = Role.MODERATOR, password: str = PASSWORD) -> Account:
    from sqlalchemy.orm import Session

    with app.app_context(), Session(app.extensions["portal.engine"]) as db:
        created = accounts.create_user(db, username, role, password, app.config["PORTAL"])
        db.commit()  # services do not commit: their caller does (portal/db.py)
        return Account(username, password, created.totp_secret, created.recovery_key)


@pytest.fixture
def admin(app: Flask) -> Account:
    return make_account(app, "admin", Role.ADMIN)


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in page"
    return match.group(1)


def get_csrf(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    return csrf_from(response.get_data(as_text=True))


def login(client: FlaskClient, account: Account, **overrides: Any) -> Any:
    token = get_csrf(client, "/moderation/login")
    data = {
        "username": account.username,
        "password": account.password,
        "totp": account.next_code(),
        "csrf_token": token,
    }
    data.update(overrides)
    return client.post("/moderation/login", data=data)
