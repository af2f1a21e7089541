"""Fixtures: one app per test, on SQLite and (when reachable) on PostgreSQL + Redis.

``PORTAL_TEST_DATABASE_URL`` and ``PORTAL_TEST_REDIS_URL`` switch on the second backend;
without them those runs are skipped with a reason saying what is missing.

Only fixtures live here; the values and classes they use are plain modules that tests import
(``tests.settings``, ``tests.accounts``, ``tests.csrf``), since a conftest is not for importing.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from portal import create_app, dispose, file_modes
from portal.config import Config
from portal.db import Base, db_session
from portal.models import Role
from tests import stored_bytes
from tests.accounts import PASSWORD, Account, AccountFactory, AuthActions, make_account
from tests.forum_helpers import seed
from tests.scratch_backend import ReusedSchema, create_tables, scratch_postgres
from tests.settings import CHEAP_KDF, CLIENT_ADDRESS, PG_URL, REDIS_URL
from tests.url_rules import install as compile_url_rules_once


def pytest_configure(config: pytest.Config) -> None:
    compile_url_rules_once()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql" and not (PG_URL and REDIS_URL):
        pytest.skip("PostgreSQL/Redis run skipped: set PORTAL_TEST_DATABASE_URL and PORTAL_TEST_REDIS_URL")
    return str(request.param)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite database with the portal's tables, made once per test process and copied."""
    database = tmp_path_factory.mktemp("template") / "portal.sqlite3"
    create_tables(f"sqlite:///{database}")
    return database


@pytest.fixture(scope="session")
def postgres_schema() -> Iterator[ReusedSchema]:
    """This process's PostgreSQL schema with the portal's tables, emptied after each test."""
    tables = [table.name for table in Base.metadata.sorted_tables]
    schema = ReusedSchema(PG_URL, REDIS_URL, create_tables=create_tables, tables=tables)
    yield schema
    schema.close()


@pytest.fixture(scope="session", autouse=True)
def own_database_dropped() -> Iterator[None]:
    """The database of ``tests/stored_bytes.py``'s proofs, if this process made one, goes at the end."""
    yield
    stored_bytes.OWN_DATABASE.close()


@pytest.fixture
def config(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Config]:
    """The test's configuration. For a test with the ``app`` fixture its database already holds
    the portal's (empty) tables; for one that builds its own app from it, it is empty, as a new
    installation's before ``flask db upgrade``."""
    base = Config(
        secret_key="test-secret-" + uuid.uuid4().hex,
        instance_path=tmp_path / "instance",
        testing=True,
        **CHEAP_KDF,
    )
    with_tables = "app" in request.fixturenames
    if backend == "sqlite":
        if with_tables:
            file_modes.private_directory(base.instance_path)
            database = Path(make_url(base.sqlalchemy_url).database or "")
            shutil.copyfile(request.getfixturevalue("sqlite_template"), database)
            database.chmod(file_modes.PRIVATE_FILE)
        yield base
        return
    if with_tables:
        borrowed = request.getfixturevalue("postgres_schema").lend()
    else:
        borrowed = scratch_postgres(PG_URL, REDIS_URL)
    with borrowed as scratch:
        yield base.replace(
            database_url=scratch.database_url, redis_url=REDIS_URL, redis_prefix=scratch.redis_prefix
        )


@pytest.fixture
def app(config: Config) -> Iterator[Flask]:
    application = create_app(config)
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
