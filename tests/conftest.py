"""Fixtures: one app per test, on SQLite and (when reachable) on PostgreSQL + Redis.

``PORTAL_TEST_DATABASE_URL`` and ``PORTAL_TEST_REDIS_URL`` switch on the second backend;
without them those runs are skipped with a reason saying what is missing.

Only fixtures live here; the values and classes they use are plain modules that tests import
(``tests.settings``, ``tests.accounts``, ``tests.csrf``), since a conftest is not for importing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal import create_app, dispose
from portal.config import Config
from portal.db import Base, db_session
from portal.models import Role
from tests.accounts import PASSWORD, Account, AccountFactory, AuthActions, make_account
from tests.forum_helpers import seed
from tests.scratch_backend import scratch_postgres
from tests.settings import CHEAP_KDF, CLIENT_ADDRESS, PG_URL, REDIS_URL


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


@pytest.fixture
def db(app: Flask, request: pytest.FixtureRequest) -> Iterator[Session]:
    """The app's session inside an app context, for calling a service directly (no HTTP).

    Whatever the test leaves uncommitted is rolled back at the end, as after a request. Not for a
    test that also sends requests: they would run in this app context and share its session and
    ``g`` instead of having their own.
    """
    if "client" in request.fixturenames:
        pytest.fail("the db fixture is for service tests; a test with requests opens its own session")
    with app.app_context():
        yield db_session()


@pytest.fixture
def moderator(app: Flask) -> AccountFactory:
    """Makes accounts in the test's app: ``moderator("mona")``, ``moderator("ada", Role.ADMIN)``."""

    def make(username: str, role: Role = Role.MODERATOR, password: str = PASSWORD) -> Account:
        return make_account(app, username, role, password)

    return make


@pytest.fixture
def admin(moderator: AccountFactory) -> Account:
    """The first account: an admin holding the organisation key (and its recovery key)."""
    return moderator("admin", Role.ADMIN)


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    """Logs the ``client`` in and out: ``auth.login(admin)``, ``auth.login(admin, totp="000000")``."""
    return AuthActions(client)


@pytest.fixture
def forum_boards(app: Flask) -> None:
    """The forum's default boards, as a new installation has them."""
    seed(app)
