"""What ``flask --app wsgi status`` checks, read once for the text and the JSON answer alike.

Counts and states only: no report content, no user names, no addresses. Each part is read on its
own, so that a part which is down is reported instead of ending the command: when the database
does not answer, what is read from it is ``None`` and the rest (Redis, the disks, failed codes)
is still shown. :meth:`Checks.attention` names the parts an operator must look at; the command
exits 1 while there is one (docs/deploy.md, "When a part fails").
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from . import audit, organisations, retention
from .cases.overview import Overview, overview
from .config import Config
from .forum.moderation import queue_size
from .models import AuditEvent
from .notify import news
from .notify.service import recipients
from .notify.smtp import MailSettingsRefused, check
from .production_checks import configuration_findings, migrations_at_head
from .security import failed_codes

# Below this share free, the database's file system needs attention: SQLite refuses every write
# once it is full (docs/deploy.md, "The disk is full").
DISK_LOW_FRACTION = 0.10
# The upload spool must hold this many of the largest requests at once (two reporters sending
# their files in the same second).
SPOOL_REQUESTS = 2
# How far back the notices' last results are read (one event per run, at most two).
NOTICE_RUNS_READ = 200
SENT, FAILED = str(audit.Event.NOTIFICATION_SENT), str(audit.Event.NOTIFICATION_FAILED)


@dataclass(frozen=True)
class Disk:
    path: str
    free_bytes: int
    total_bytes: int
    needed_bytes: int  # less free than this: low

    @property
    def low(self) -> bool:
        return self.free_bytes < self.needed_bytes


@dataclass(frozen=True)
class Notices:
    settings_refused: str | None  # why smtp.check refuses the settings, or None
    recipients: int  # active moderators with a notice address, of every organisation taking reports
    last_result: str | None  # "sent" or "failed" (the last run that reached for the server)
    failed_runs: int  # failed runs since the last one that reached everybody
    news_pending: bool  # something came in that no notice has announced yet
    reminder_pending: bool  # a deadline is near and today's reminder has not gone out

    @property
    def failing(self) -> bool:
        return self.settings_refused is not None or self.last_result == "failed"


@dataclass(frozen=True)
class Stored:
    """What is read from the tables (None for all of it while the database is down)."""

    cases: Overview
    forum_queue: int
    last_purge: dt.datetime | None  # the oldest of the organisations' last purges
    own_retention: dict[str, int]  # days, by slug: organisations not on PORTAL_RETENTION_DAYS
    notices: Notices | None  # None while PORTAL_SMTP_HOST is empty


@dataclass(frozen=True)
class Checks:
    config: Config
    now: dt.datetime
    database_error: str | None  # the exception's class name when the database did not answer
    migrations_at_head: bool | None  # None while the database does not answer
    redis: str  # "ok", "unreachable" or "off" (not configured)
    stored: Stored | None
    database_disk: Disk | None  # None: not a local file (PostgreSQL)
    spool_disk: Disk
    failed_codes: failed_codes.Failures
    configuration_problems: int

    @property
    def purge_late(self) -> bool:
        return self.stored is not None and retention.purge_is_late(self.stored.last_purge, self.now)

    def attention(self) -> list[str]:
        """The parts that need an operator, in a fixed order; empty when all is well."""
        stored = self.stored
        needs = {
            "database": self.database_error is not None,
            "migrations": self.migrations_at_head is False,
            "redis": self.redis == "unreachable",
            "database_disk": self.database_disk is not None and self.database_disk.low,
            "spool_disk": self.spool_disk.low,
            "notices": stored is not None and stored.notices is not None and stored.notices.failing,
            "retention": self.purge_late,
            "failed_codes": self.failed_codes.alarming,
        }
        return [name for name, needed in needs.items() if needed]


def redis_state(redis_client: Any) -> str:
    if redis_client is None:
        return "off"
    try:
        redis_client.ping()
    except Exception:  # redis raises several types (and OSError): any of them means unreachable
        return "unreachable"
    return "ok"


def disk(path: Path, needed: int | None = None) -> Disk:
    """Free space of the file system holding ``path`` (its nearest existing parent)."""
    while not path.exists() and path != path.parent:
        path = path.parent
    usage = shutil.disk_usage(path)
    low_at = int(usage.total * DISK_LOW_FRACTION) if needed is None else needed
    return Disk(str(path), usage.free, usage.total, low_at)


def database_directory(config: Config) -> Path | None:
    """The directory of a SQLite database (its -wal grows there too); None for a server database."""
    url = make_url(config.sqlalchemy_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).resolve().parent


def spool_directory(config: Config) -> Path:
    """Where a request's files above 500 KB wait (portal/upload_spool.py: a tmpfs, docs/deploy.md)."""
    return Path(config.upload_spool_dir or tempfile.gettempdir())


@dataclass(frozen=True)
class _Runs:
    """One organisation's notice runs that reached for the mail server, newest first."""

    last_result: str | None
    failed_runs: int


def _runs(db: Session, organisation_id: int) -> _Runs:
    query = select(AuditEvent.event).where(
        AuditEvent.organisation_id == organisation_id, AuditEvent.event.in_((SENT, FAILED))
    )
    runs = list(db.scalars(query.order_by(AuditEvent.id.desc()).limit(NOTICE_RUNS_READ)))
    return _Runs(
        last_result=None if not runs else "failed" if runs[0] == FAILED else "sent",
        failed_runs=next((i for i, event in enumerate(runs) if event == SENT), len(runs)),
    )


def notices(db: Session, config: Config, today: dt.date) -> Notices | None:
    """The notices of every organisation that takes reports, as one: failing while any one's
    last run failed, pending while any one has something to send (each has its own marks)."""
    if not config.smtp_host:
        return None
    try:
        check(config)
        refused = None
    except MailSettingsRefused as error:
        refused = str(error)
    ids = [row.id for row in organisations.all_of(db) if row.takes_reports]
    runs = [_runs(db, organisation_id) for organisation_id in ids]
    results = {run.last_result for run in runs} - {None}
    return Notices(
        settings_refused=refused,
        recipients=sum(len(recipients(db, organisation_id)) for organisation_id in ids),
        last_result="failed" if "failed" in results else "sent" if results else None,
        failed_runs=max((run.failed_runs for run in runs), default=0),
        news_pending=any(news.current(db, i).above(news.announced(db, i)) for i in ids),
        reminder_pending=any(
            news.last_reminder(db, i) != today and news.deadline_near(db, i, today) for i in ids
        ),
    )


def stored(db: Session, config: Config, today: dt.date) -> Stored:
    return Stored(
        cases=overview(db, today),
        forum_queue=queue_size(db),
        last_purge=retention.last_purge(db),
        own_retention=retention.own_periods(db),
        notices=notices(db, config, today),
    )


def collect(
    db: Session,
    redis_client: Any,
    scripts: ScriptDirectory,
    config: Config,
    environ: Mapping[str, str],
    today: dt.date,
    now: dt.datetime,
) -> Checks:
    """Every check, each on its own (needs an app context for the failed codes)."""
    engine = db.get_bind()
    assert isinstance(engine, Engine)
    at_head: bool | None = None
    from_database: Stored | None = None
    error: str | None = None
    try:
        at_head = migrations_at_head(engine, scripts)
        from_database = stored(db, config, today)
    except SQLAlchemyError as failure:  # reported, not raised: the other parts are still read
        db.rollback()
        # Tables too old to read (at_head False) are the migrations' fault, not the database's.
        error = None if at_head is False else type(failure).__name__
    directory = database_directory(config)
    return Checks(
        config=config,
        now=now,
        database_error=error,
        migrations_at_head=at_head,
        redis=redis_state(redis_client),
        stored=from_database,
        database_disk=None if directory is None else disk(directory),
        spool_disk=disk(spool_directory(config), SPOOL_REQUESTS * config.max_request_bytes),
        failed_codes=failed_codes.recent(now),
        configuration_problems=len(configuration_findings(config, environ)),
    )
