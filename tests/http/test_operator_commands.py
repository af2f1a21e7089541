"""``flask --app wsgi check-config`` and ``status``: what an operator runs and reads."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator

import pytest
from alembic import command
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal import create_app, dispose
from portal.audit import Event
from portal.config import ARGON2_MEMORY_KIB, ARGON2_TIME_COST, Config
from portal.db import alembic_config
from portal.domain import today
from portal.models import AuditEvent, Report
from tests.accounts import Account
from tests.forum_helpers import new_thread
from tests.reporting_helpers import report_and_get_code

SERVER_VARIABLES = ("FLASK_DEBUG", "GUNICORN_BIND", "GUNICORN_WORKERS", "WEB_CONCURRENCY")


def _run(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=list(args))


@pytest.fixture
def production(config: Config, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The scratch backend, configured as docs/deploy.md says (SQLite: one worker)."""
    for name in SERVER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    if not config.redis_url:
        monkeypatch.setenv("GUNICORN_WORKERS", "1")
    safe = config.replace(
        env="production",
        testing=False,
        secret_key=secrets.token_hex(32),
        base_url="https://visslan.example.se",
        proxy_count=1,
        retention_schedule="systemd",
        argon2_memory_kib=ARGON2_MEMORY_KIB,
        argon2_time_cost=ARGON2_TIME_COST,
    )
    app = create_app(safe)
    yield app
    dispose(app)


def test_a_safe_installation_passes_once_migrated_and_purged(production: Flask) -> None:
    assert _run(production, "db", "upgrade").exit_code == 0
    before = _run(production, "check-config")
    assert before.exit_code == 1
    assert "  - purge-expired: has never run" in before.output
    assert _run(production, "purge-expired").exit_code == 0
    after = _run(production, "check-config")
    assert after.exit_code == 0, after.output
    assert after.output.startswith("ok: nothing unsafe found")


def test_a_stopped_purge_timer_fails_the_check(production: Flask) -> None:
    _run(production, "db", "upgrade")
    _run(production, "purge-expired")
    with Session(production.extensions["portal.engine"]) as db:
        three_days_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
        db.execute(
            update(AuditEvent).where(AuditEvent.event == Event.RETENTION_PURGE_RAN).values(at=three_days_ago)
        )
        db.commit()
    result = _run(production, "check-config")
    assert result.exit_code == 1
    assert f"  - purge-expired: last ran {three_days_ago:%Y-%m-%d %H:%M} UTC" in result.output


def test_a_development_setup_is_not_ready(app: Flask) -> None:
    result = _run(app, "check-config")
    assert result.exit_code == 1
    assert result.output.startswith("Not ready for production (")
    assert "  - PORTAL_ENV: is 'development'" in result.output
    assert "  - PORTAL_TESTING: is on" in result.output
    assert "  - database: is not at the newest migration" in result.output  # tables, no migrations


@pytest.mark.usefixtures("forum_boards")
def test_status_prints_counts_deadlines_queue_and_last_purge(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    for _ in range(3):
        report_and_get_code(app.test_client())
    assert new_thread(client, "Hot i telefon", "Det hände igen i veckan.", action="send").status_code == 303
    with Session(app.extensions["portal.engine"]) as db:
        received = today() - dt.timedelta(days=10)  # a report from ten days ago, never acknowledged
        late = received + dt.timedelta(days=7)
        first, second, _third = db.scalars(select(Report.id).order_by(Report.id))
        db.execute(update(Report).where(Report.id == first).values(created_on=received, due_on=late))
        db.commit()
    _run(app, "purge-expired")
    with app.app_context():  # the fixture's tables are the newest schema: say so to Alembic
        command.stamp(alembic_config(), "head")
    result = _run(app, "status")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Cases by status: new 3, acknowledged 0, in_progress 0, closed 0"
    assert "Deadlines: 1 overdue; due by" in result.output
    assert f"  case {first}: acknowledgement due {late} (overdue)" in lines
    soon = today() + dt.timedelta(days=7)
    assert f"  case {second}: acknowledgement due {soon} (soon)" in lines
    assert "Forum posts waiting for a moderator: 1" in lines
    assert "schedule: not set; purge-expired last ran: " + str(today().year) in result.output
    assert "(LATE" not in result.output
    assert "Database: ok; migrations: at the newest" in lines
    assert "E-mail notices: off (PORTAL_SMTP_HOST is empty)" in lines
    assert "Production configuration: " in lines[-2] and "problem(s)" in lines[-2]
    assert lines[-1] == "Needs attention: nothing"  # problems of the configuration are check-config's


def test_redis_that_keeps_an_append_only_file_fails_the_check(production: Flask) -> None:
    if production.extensions["portal.redis"] is None:
        pytest.skip("Redis's persistence is checked on the PostgreSQL + Redis run")
    # An append-only file logs every SET: each hour's rate-limit secret would stay on disk.
    _run(production, "db", "upgrade")
    _run(production, "purge-expired")
    redis_client = production.extensions["portal.redis"]
    was = redis_client.config_get("appendonly")["appendonly"]
    redis_client.config_set("appendonly", "yes")
    try:
        result = _run(production, "check-config")
    finally:
        redis_client.config_set("appendonly", was)
    assert result.exit_code == 1
    assert "  - PORTAL_REDIS_URL: Redis writes an append-only file" in result.output
    assert _run(production, "check-config").exit_code == 0
