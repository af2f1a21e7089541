"""``flask --app wsgi status --json`` while a part is really down: its own Redis stopped, its own
PostgreSQL cluster stopped, its own mail server stopped. The document says which part, the
command exits 1, and it says all is well again once the part is back.

Each status is its own process, as a monitor runs it: nothing of one run's state (a pool, a
paused Redis client) carries into the next.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from flask import Flask
from sqlalchemy import create_engine, text

from portal import create_app, dispose
from portal.config import Config
from portal.db import Base, alembic_config
from tests.accounts import Account
from tests.faults.commands import flask, status
from tests.faults.notices import with_addresses, with_smtp
from tests.faults.servers import or_skip, postgres_cluster, redis_server
from tests.faults.smtp_server import running
from tests.reporting_helpers import report_and_get_code

pytestmark = pytest.mark.slow  # servers of their own and a `flask` process per look


def ready(app: Flask, config: Config) -> None:
    """As an installation in order: tables at the newest migration, the purge has run."""
    with app.app_context():
        command.stamp(alembic_config(), "head")
    assert flask(config, "purge-expired").returncode == 0


def portal_on(config: Config) -> Flask:
    app = create_app(config)
    Base.metadata.create_all(app.extensions["portal.engine"])
    ready(app, config)
    return app


@pytest.fixture
def backend() -> str:
    """SQLite only: a mail server's faults are the same whatever the database, and the notices'
    rows on PostgreSQL are covered by tests/http/test_notifications.py (both backends)."""
    return "sqlite"


def test_a_failing_mail_server_shows_as_notices_failing_until_a_run_gets_through(
    config: Config, app: Flask, admin: Account, tmp_path: Path
) -> None:
    ready(app, config)
    with_addresses(app, "admin", "bo")
    report_and_get_code(app.test_client())
    with running("deliver", tmp_path / "mx") as server:
        mailing = with_smtp(config, server)
        server.stop()
        assert flask(mailing, "notify", "send").returncode == 1
        document, exit_status = status(mailing)
        assert exit_status == 1
        assert document["attention"] == ["notices"]
        assert document["notices"] == {
            "state": "failing",
            "last_result": "failed",
            "failed_runs": 1,
            "recipients": 2,
            "news_pending": True,
            "reminder_pending": False,
        }
        assert flask(mailing, "notify", "send").returncode == 1
        assert status(mailing)[0]["notices"]["failed_runs"] == 2

        server.start()
        assert flask(mailing, "notify", "send").returncode == 0
        document, exit_status = status(mailing)
    assert (exit_status, document["state"], document["attention"]) == (0, "ok", [])
    assert document["notices"]["state"] == "ok"
    assert document["notices"]["last_result"] == "sent"
    assert document["notices"]["failed_runs"] == 0
    assert document["notices"]["news_pending"] is False
    assert document["cases"]["by_status"] == {"new": 1, "acknowledged": 0, "in_progress": 0, "closed": 0}


def _nothing_personal(document: dict[str, Any]) -> None:
    words = repr(document)
    for name in ("admin", "bo@", "example.org", "hotade"):
        assert name not in words


def test_a_stopped_redis_shows_as_degraded_and_well_again_when_it_is_back(tmp_path: Path) -> None:
    with ExitStack() as stack:
        redis = or_skip(stack, redis_server())
        config = Config(
            secret_key="fault-status-" + tmp_path.name,
            instance_path=tmp_path / "instance",
            redis_url=redis.url,
            redis_prefix="fault-status",
        )
        app = portal_on(config)
        try:
            document, exit_status = status(config)
            assert (exit_status, document["state"], document["redis"]) == (0, "ok", {"state": "ok"})

            redis.stop()
            document, exit_status = status(config)
            assert exit_status == 1
            assert document["state"] == "degraded"
            assert document["redis"] == {"state": "unreachable"}
            assert document["attention"] == ["redis"]
            assert document["database"]["state"] == "ok"  # the rest is still read
            _nothing_personal(document)

            redis.start()
            document, exit_status = status(config)
            assert (exit_status, document["state"], document["attention"]) == (0, "ok", [])
        finally:
            dispose(app)


def test_a_stopped_postgresql_shows_as_unavailable_and_well_again_after_its_restart(tmp_path: Path) -> None:
    with ExitStack() as stack:
        cluster = or_skip(stack, postgres_cluster())
        config = Config(
            secret_key="fault-status-" + tmp_path.name,
            instance_path=tmp_path / "instance",
            database_url=cluster.url,
        )
        app = portal_on(config)
        try:
            document, exit_status = status(config)
            assert (exit_status, document["state"], document["database"]["state"]) == (0, "ok", "ok")
            assert document["disk"]["database"] is None  # a server's files are not the portal's to see

            cluster.stop()
            document, exit_status = status(config)
            assert exit_status == 1
            assert document["state"] == "unavailable"
            assert document["database"] == {
                "state": "unreachable",
                "error": "OperationalError",
                "migrations_at_head": None,
            }
            assert document["attention"] == ["database"]
            assert document["cases"] is None and document["retention"]["late"] is None
            assert document["disk"]["spool"]["free_bytes"] > 0  # what needs no database is still read

            cluster.start()
            document, exit_status = status(config)
            assert (exit_status, document["state"], document["attention"]) == (0, "ok", [])
            engine = create_engine(cluster.url)
            with engine.connect() as conn:  # the data survived the crash
                assert conn.scalar(text("SELECT count(*) FROM audit_events")) == 1
            engine.dispose()
        finally:
            dispose(app)
