"""Crash and concurrency: gunicorn with 4 workers on PostgreSQL + Redis, over real HTTP.

A receipt is *acknowledged* once the reporter has seen the code on the receipt page: from then on
the report must survive anything, a ``kill -9`` of the whole server included. A report whose
receipt was never shown may or may not exist after a crash, but if it exists it is whole: its
key opens, its description and its file decrypt (one transaction, DESIGN.md §3).
"""

from __future__ import annotations

import os
import re
import signal
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import create_app, dispose
from portal.accounts import service as accounts
from portal.cases import vault
from portal.config import Config
from portal.db import make_engine
from portal.models import Report, Role
from portal.security import crypto
from tests import live_server
from tests.accounts import Account, make_account
from tests.live_client import CONNECTION_ERRORS, FilePart, Visitor, open_report, submit_report
from tests.settings import PG_URL, REDIS_URL

MISSING = [
    name
    for name, value in (("PORTAL_TEST_DATABASE_URL", PG_URL), ("PORTAL_TEST_REDIS_URL", REDIS_URL))
    if not value
]
needs_postgres = pytest.mark.skipif(
    bool(MISSING),
    reason=f"crash and concurrency tests need PostgreSQL and Redis: set {' and '.join(MISSING)}",
)
on_postgres = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)

WORKERS = 4
THREADS = 32
SUBMISSIONS = 200
CRASH_AFTER = 40  # acknowledged receipts before the kill; the other threads are mid-request
CRASH_ATTEMPTS = 400  # more than the server can finish before CRASH_AFTER: the load is still on
CRASH_WAIT_SECONDS = 120.0  # a safety net for a crowded machine; 3-4 s when idle
# The load comes from one address: lift every limit it would hit (the limits have their own tests).
GENEROUS = "1000000 per hour"
LIMITS = {
    "limit_default": GENEROUS,
    "limit_report_submit": GENEROUS,
    "limit_report_submit_installation": GENEROUS,
    "limit_code_login": GENEROUS,
}
MARKER = re.compile(r"marker-[0-9a-f]{32}")
EVIDENCE_NAME = "evidence.txt"
# A report key wrapped by a code's unwrap key: what a whole row holds in key_wrapped.
WRAPPED_KEY_BYTES = len(crypto.wrap(crypto.new_key(), crypto.new_key()))


@dataclass(frozen=True)
class Sent:
    marker: str
    code: str


@dataclass(frozen=True)
class Portal:
    config: Config
    app: Flask  # in-process, to read the database the way a moderator would
    admin: Account
    log_path: Path

    def serve(self) -> live_server.LiveServer:
        return live_server.start(self.config, self.log_path, workers=WORKERS, migrate_first=False)


@pytest.fixture
def portal(config: Config, tmp_path: Path) -> Iterator[Portal]:
    """A migrated scratch schema with an admin (hence an organisation key); not yet served."""
    generous = config.replace(**LIMITS)
    live_server.migrate(generous)
    app = create_app(generous)
    admin = make_account(app, "admin", Role.ADMIN)
    yield Portal(generous, app, admin, tmp_path / "server.log")
    dispose(app)


def new_marker() -> str:
    return "marker-" + uuid.uuid4().hex


def description(marker: str) -> str:
    return f"A client threatened me after the decision ({marker})."


def evidence(marker: str) -> bytes:
    return f"Notes written the same evening ({marker}).\n".encode()


def submit(base_url: str, marker: str) -> Sent:
    files: list[FilePart] = [("attachments", EVIDENCE_NAME, evidence(marker))]
    return Sent(marker, submit_report(Visitor(base_url), description(marker), files))


def opens_its_report(base_url: str, sent: Sent) -> bool:
    page = open_report(Visitor(base_url), sent.code)
    return sent.marker in page and EVIDENCE_NAME in page


def not_opening(base_url: str, sent: Sequence[Sent]) -> list[Sent]:
    with ThreadPoolExecutor(THREADS) as pool:
        opened = list(pool.map(lambda one: opens_its_report(base_url, one), sent))
    return [one for one, ok in zip(sent, opened, strict=True) if not ok]


def whole_reports(portal: Portal) -> list[str]:
    """Open every stored report with the organisation key; the marker of each (fails on a broken one)."""
    with Session(portal.app.extensions["portal.engine"]) as db:
        user = accounts.find(db, portal.admin.username)
        org_key = accounts.open_org_key(user, portal.admin.password, portal.config)
        markers = []
        for report in db.scalars(select(Report)):
            key = vault.key_from_org(report, org_key)
            match = MARKER.search(vault.decrypt(key, report.description))
            assert match, f"report {report.id}: description is not one that was sent"
            assert len(report.key_wrapped) == WRAPPED_KEY_BYTES, f"report {report.id}: no key for its code"
            files = [
                (vault.file_info(key, f).filename, vault.file_content(key, f)) for f in report.attachments
            ]
            assert files == [(EVIDENCE_NAME, evidence(match.group(0)))], f"report {report.id}: files {files}"
            assert report.messages == []
            markers.append(match.group(0))
    return markers


def crash(server: live_server.LiveServer) -> None:
    """kill -9 of master and workers together: the server was started in its own process group."""
    os.killpg(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout=10)


@needs_postgres
@on_postgres
@pytest.mark.slow
def test_concurrent_submissions_each_open_their_own_report(portal: Portal) -> None:
    markers = [new_marker() for _ in range(SUBMISSIONS)]
    with portal.serve() as server, ThreadPoolExecutor(THREADS) as pool:
        sent = list(pool.map(lambda marker: submit(server.base_url, marker), markers))
        assert len({one.code for one in sent}) == SUBMISSIONS
        assert not_opening(server.base_url, sent) == []
    assert sorted(whole_reports(portal)) == sorted(markers)
    assert "Traceback" not in server.log()


class CrashLoad:
    """Submissions from many threads, counting receipts seen and forms on their way to the server."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.acknowledged: list[Sent] = []
        self.cut_off: list[str] = []
        self.posting = 0  # reporters whose POST /report is sent but not answered
        self.crashed = threading.Event()
        self._lock = threading.Lock()

    def record(self, method: str, path: str, status: int, seconds: float) -> None:
        if path == "/report":  # the form page was read (the POST follows) or the POST answered
            with self._lock:
                self.posting += 1 if method == "GET" else -1

    def attempt(self, marker: str) -> None:
        if self.crashed.is_set():
            return
        files: list[FilePart] = [("attachments", EVIDENCE_NAME, evidence(marker))]
        try:
            code = submit_report(Visitor(self.base_url, self.record), description(marker), files)
        except CONNECTION_ERRORS:
            with self._lock:
                self.cut_off.append(marker)  # the kill came first: never acknowledged
            return
        with self._lock:
            self.acknowledged.append(Sent(marker, code))

    def crash_moment(self) -> bool:
        """Enough receipts shown, and every worker likely inside a submission's transaction."""
        with self._lock:
            return len(self.acknowledged) >= CRASH_AFTER and self.posting >= WORKERS


@needs_postgres
@on_postgres
@pytest.mark.slow
def test_kill_9_mid_load_loses_no_acknowledged_report(portal: Portal) -> None:
    server = portal.serve()
    load = CrashLoad(server.base_url)
    markers = [new_marker() for _ in range(CRASH_ATTEMPTS)]
    try:
        with ThreadPoolExecutor(THREADS) as pool:
            futures = [pool.submit(load.attempt, marker) for marker in markers]
            deadline = time.monotonic() + CRASH_WAIT_SECONDS
            while not load.crash_moment():
                assert time.monotonic() < deadline, f"only {len(load.acknowledged)} receipts in time"
                time.sleep(0.001)
            crash(server)
            load.crashed.set()
            for future in futures:
                future.result()  # an unexpected answer (a 500, a refused form) fails the test here
    finally:
        server.stop(signal.SIGKILL)
    assert load.cut_off, "the kill came after the load: nothing was interrupted"

    with portal.serve() as restarted:
        assert not_opening(restarted.base_url, load.acknowledged) == []
    stored = whole_reports(portal)
    assert len(stored) == len(set(stored)), "a report was stored twice"
    assert {one.marker for one in load.acknowledged} <= set(stored)
    assert set(stored) <= set(markers)


def test_sqlite_commits_are_fsynced_before_they_are_acknowledged(tmp_path: Path) -> None:
    """WAL with synchronous=FULL: every commit syncs the log, so a power cut keeps what was answered."""
    engine = make_engine(Config(instance_path=tmp_path).sqlalchemy_url)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # 2 = FULL
    finally:
        engine.dispose()
