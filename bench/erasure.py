"""Issue 13 item 6: what it costs to erase the bytes of a case, not only its rows.

A database of realistic size (``--reports`` synthetic reports, two messages each, and
``--files`` attachments of 256 kB among them) holds the cases to erase: each with a description,
three messages and a 2 MB file (a phone photo). Then, interleaved and as the portal does it,
one transaction per case:

- SQLite: ``erasure.erase`` with the clean-up after the commit (``PRAGMA wal_checkpoint(TRUNCATE)``)
  and with the listener detached (the commit alone). The WAL is checkpointed before each timed
  erase, untimed, so that the checkpoint copies the erase's own pages, not the victim's creation.
- PostgreSQL (``PORTAL_BENCH_DATABASE_URL``, a scratch schema): a moderator's erase with VACUUM
  after it and without, and ``purge_expired`` of ``--purge`` expired cases with its one VACUUM and
  without.

    .venv/bin/python -m bench.erasure [--reports 10000] [--files 200] [--runs 7] [--purge 20]
    PORTAL_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python -m bench.erasure
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import event, insert, select, text
from sqlalchemy.orm import Session

from bench.common import make_app, seed_messages
from portal import dispose, organisations, retention
from portal.cases import erasure, vault
from portal.db import transaction
from portal.devseed import seed_reports
from portal.domain import Kind, Status, today
from portal.models import Attachment, Author, Message, Report
from portal.security import crypto
from tests.scratch_backend import scratch_postgres

FILE_BYTES = 2 * 1024 * 1024  # a phone photo after cleaning
BACKGROUND_FILE_BYTES = 256 * 1024


def _victim(db: Session, closed_days_ago: int | None = None) -> int:
    """A case with a description, three messages and a 2 MB file; closed long ago if asked."""
    organisation = organisations.only(db)
    org_public = organisation.public_key
    assert org_public is not None
    key, sealed, wrapped = vault.new_report_key(org_public, crypto.new_key())
    report = Report(
        organisation_id=organisation.id,
        lookup=crypto.new_key(),
        kind=Kind.INFLUENCE,
        status=Status.NEW,
        reporter_seen_status=Status.NEW,
        created_on=today(),
        key_sealed=sealed,
        key_wrapped=wrapped,
        description=vault.encrypt(key, "Beskrivning " * 80),
    )
    if closed_days_ago is not None:
        report.status, report.closed_on = Status.CLOSED, today() - dt.timedelta(days=closed_days_ago)
    for seq in (1, 2, 3):
        report.messages.append(
            Message(
                seq=seq, author=Author.REPORTER, body=vault.encrypt(key, "Svar " * 60), created_on=today()
            )
        )
    report.last_seq = 3
    content = crypto.wrap(key, secrets.token_bytes(FILE_BYTES))
    report.attachments.append(
        Attachment(
            meta=crypto.wrap(key, b'{"name": "foto.jpg"}'),
            content=content,
            size=FILE_BYTES,
            created_on=today(),
        )
    )
    db.add(report)
    db.flush()
    return report.id


def _background(app: Flask, reports: int, files: int) -> None:
    with app.app_context(), transaction() as db:
        seed_reports(db, reports, production=False)
        ids = list(db.scalars(select(Report.id).order_by(Report.id)))
        body = crypto.wrap(crypto.new_key(), b"Meddelande " * 40)
        seed_messages(db, ids, 2, body, batch=5000)
        content = crypto.wrap(crypto.new_key(), secrets.token_bytes(BACKGROUND_FILE_BYTES))
        for rid in ids[:: max(1, len(ids) // files)][:files]:
            db.execute(
                insert(Attachment).values(
                    report_id=rid, meta=body, content=content, size=BACKGROUND_FILE_BYTES, created_on=today()
                )
            )
    engine = app.extensions["portal.engine"]
    if engine.dialect.name != "sqlite":  # what autovacuum would have done by now
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")


@contextmanager
def _cleaner_detached(app: Flask) -> Iterator[None]:
    cleaner = app.extensions["portal.scrub"]
    sessions = app.extensions["portal.sessionmaker"]
    event.remove(sessions, "after_commit", cleaner.committed)
    try:
        yield
    finally:
        event.listen(sessions, "after_commit", cleaner.committed)


def _checkpoint(app: Flask) -> None:
    with app.extensions["portal.engine"].connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def _erase_once(app: Flask, vacuum: bool) -> float:
    with transaction() as db:
        report_id = _victim(db)
    if app.extensions["portal.scrub"].sqlite:
        _checkpoint(app)

    def erase() -> None:
        with transaction() as db:
            erasure.erase(db, report_id, None, vacuum=vacuum)

    return _timed(erase)


def sqlite_figures(app: Flask, runs: int) -> dict[str, float]:
    with_checkpoint, without = [], []
    with app.app_context():
        for _ in range(runs + 1):
            with_checkpoint.append(_erase_once(app, vacuum=True))
            with _cleaner_detached(app):
                without.append(_erase_once(app, vacuum=True))
    return {
        "erase, commit + checkpoint (ms)": statistics.median(with_checkpoint[1:]),
        "erase, commit only (ms)": statistics.median(without[1:]),
    }


def _purge(app: Flask, cases: int, vacuum: bool) -> float:
    retention_days = app.config["PORTAL"].retention_days
    with transaction() as db:
        for _ in range(cases):
            _victim(db, closed_days_ago=retention_days + 1)
    skip = lambda _app: None  # noqa: E731  (the purge without its VACUUM)
    real = erasure.vacuum
    if not vacuum:
        erasure.vacuum = skip
    try:
        return _timed(lambda: retention.purge_expired(today(), retention_days))
    finally:
        erasure.vacuum = real


def postgres_figures(app: Flask, runs: int, purge: int) -> dict[str, float]:
    erase_vacuum, erase_plain, purge_vacuum, purge_plain = [], [], [], []
    with app.app_context():
        for _ in range(runs + 1):
            erase_vacuum.append(_erase_once(app, vacuum=True))
            erase_plain.append(_erase_once(app, vacuum=False))
            purge_vacuum.append(_purge(app, purge, vacuum=True))
            purge_plain.append(_purge(app, purge, vacuum=False))
    return {
        "moderator erase + VACUUM (ms)": statistics.median(erase_vacuum[1:]),
        "moderator erase, no VACUUM (ms)": statistics.median(erase_plain[1:]),
        f"purge of {purge} + VACUUM (ms)": statistics.median(purge_vacuum[1:]),
        f"purge of {purge}, no VACUUM (ms)": statistics.median(purge_plain[1:]),
    }


def _size(app: Flask) -> str:
    engine = app.extensions["portal.engine"]
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            pages = conn.exec_driver_sql("PRAGMA page_count").scalar() or 0
            size = conn.exec_driver_sql("PRAGMA page_size").scalar() or 0
            return f"{pages * size / 2**20:.0f} MiB SQLite file"
        total = conn.scalar(
            text(
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r'"
            )
        )
        return f"{int(total or 0) / 2**20:.0f} MiB in the schema's tables"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--purge", type=int, default=20)
    args = parser.parse_args()
    database_url = os.environ.get("PORTAL_BENCH_DATABASE_URL", "")
    if not database_url:
        app = make_app(database_url="")
        _background(app, args.reports, args.files)
        print(f"SQLite, {args.reports} reports, {args.files} files of 256 kB: {_size(app)}")
        results = sqlite_figures(app, args.runs)
        dispose(app)
    else:
        redis_url = os.environ.get("PORTAL_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
        with scratch_postgres(database_url, redis_url, label="bench") as scratch:
            app = make_app(database_url=scratch.database_url)
            _background(app, args.reports, args.files)
            print(f"PostgreSQL, {args.reports} reports, {args.files} files of 256 kB: {_size(app)}")
            results = postgres_figures(app, args.runs, args.purge)
            dispose(app)
    for name, value in results.items():
        print(f"  {name}: {value:.1f}")


if __name__ == "__main__":
    main()
