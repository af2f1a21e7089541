"""Precise times at rest (issue 13 item 1): a reporter's visit leaves no time finer than the hour.

The attack: an insider with a copy of the database, of Redis (a dump keeps each key's expiry as
an absolute time) and of the instance folder wants the minute at which somebody used the portal,
to match it against the employer's proxy log or door log. DESIGN.md §3 promises reporter rows a
date only; a session row's ``expires_at`` (last request + 20 min, to the microsecond) or a Redis
TTL gave the second of every request away, and every anonymous GET of a page with a form made one.

A time counts against the visit when it falls inside it or up to the longest a session may live
after it (8 hours, and a margin); times from before the visit (the admin's account) are not the
reporter's. A time on a full hour is coarse and allowed.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.db import Base
from portal.models import ServerSession
from tests.accounts import Account
from tests.csrf import csrf_from, get_csrf
from tests.forum_helpers import SLUG
from tests.reporting_helpers import open_with_code, receipt_code, reply, submit

HOUR = 3600  # seconds
AFTER_VISIT = 9 * HOUR  # the absolute session lifetime (8 h) and a margin
SLACK = 5  # seconds a Redis expiry may sit off the hour (the clock moved while we looked)
TIME_TEXT = re.compile(rb"(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?")
EPOCH_TEXT = re.compile(rb"\b1[6-9]\d{8}(?:\.\d+)?\b")  # Unix seconds from 2020 to 2033
SESSION_COOKIE = "portal_session"
# The hour's rate-limit secret is kept a fixed minute past its hour (client_key.CLOCK_GRACE_SECONDS):
# its expiry comes from the clock, not from anyone's visit.
SECRET_KEY_GRACE = 60  # seconds
FORM_PAGES = (
    "/report",
    "/followup",
    f"/forum/{SLUG}/new",
    "/forum/code",
    "/moderation/login",
)


class Visit:
    def __init__(self) -> None:
        self.start = time.time()
        self.end = self.start

    def done(self) -> None:
        self.end = time.time()

    def caused(self, seconds: float) -> bool:
        return self.start <= seconds <= self.end + AFTER_VISIT


def _fine(seconds: float) -> bool:
    """Finer than the hour: not on a full hour."""
    return round(seconds, 6) % HOUR != 0


def _reporters_visit(client: FlaskClient) -> None:
    """Start page, form, report, receipt, return with the code, read, reply, log out."""
    assert client.get("/").status_code == 200
    assert client.get("/report").status_code == 200
    assert submit(client).status_code == 303
    code = receipt_code(client)
    stored = client.post(
        "/report/receipt", data={"csrf_token": get_csrf(client, "/report/receipt"), "stored": "y"}
    )
    assert stored.status_code == 303
    assert client.get("/followup").status_code == 200
    assert open_with_code(client, code).status_code == 303
    assert "Thank you" not in client.get("/followup/case").get_data(as_text=True)
    assert reply(client, "Jag vill tillägga att det hände igen i dag.").status_code == 303
    page = client.get("/followup/case").get_data(as_text=True)
    assert client.post("/followup/logout", data={"csrf_token": csrf_from(page)}).status_code == 303
    assert client.get("/").status_code == 200


def _forum_readers_visit(client: FlaskClient) -> None:
    for url in ("/forum/", f"/forum/{SLUG}", f"/forum/{SLUG}/new", "/forum/code"):
        assert client.get(url).status_code == 200, url


def _as_seconds(value: Any) -> float | None:
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return aware.timestamp()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def _times_in_text(data: bytes) -> list[tuple[str, float]]:
    found = []
    for match in TIME_TEXT.finditer(data):
        year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
        micro = int((match.group(7) or b"0").ljust(6, b"0"))
        try:
            when = dt.datetime(year, month, day, hour, minute, second, micro, tzinfo=dt.UTC)
        except ValueError:
            continue
        found.append((match.group().decode(), when.timestamp()))
    found.extend((match.group().decode(), float(match.group())) for match in EPOCH_TEXT.finditer(data))
    return found


def _row_times(app: Flask, visit: Visit) -> list[str]:
    fine = []
    with Session(app.extensions["portal.engine"]) as db:
        for table in Base.metadata.sorted_tables:
            for row in db.execute(select(table)).all():
                for column, value in zip(table.c, row, strict=True):
                    texts = _times_in_text(value.encode()) if isinstance(value, str) else []
                    seconds = _as_seconds(value)
                    candidates = texts + ([(repr(value), seconds)] if seconds is not None else [])
                    for shown, at in candidates:
                        if visit.caused(at) and _fine(at):
                            fine.append(f"{table.name}.{column.name} = {shown}")
    return fine


def _redis_times(app: Flask, visit: Visit, pattern: str = "{prefix}:*") -> list[str]:
    redis_client = app.extensions["portal.redis"]
    if redis_client is None:
        return []
    prefix = app.config["PORTAL"].redis_prefix
    fine = []
    for key in redis_client.scan_iter(match=pattern.format(prefix=prefix)):
        name = key.decode()
        ttl_ms = redis_client.pttl(key)
        if ttl_ms < 0:
            continue  # no expiry: nothing dated
        expiry = time.time() + ttl_ms / 1000
        grace = SECRET_KEY_GRACE if name.startswith(f"{prefix}:ratelimit-secret:") else 0
        off = (expiry - grace) % HOUR
        if visit.caused(expiry) and SLACK < off < HOUR - SLACK:
            fine.append(f"{name} expires {off:.0f} s past an hour")
        value = redis_client.get(key) or b""
        fine.extend(
            f"{name} holds {shown}" for shown, at in _times_in_text(value) if visit.caused(at) and _fine(at)
        )
    return fine


def _file_times(instance: Path, visit: Visit) -> list[str]:
    fine = []
    for path in sorted(p for p in instance.rglob("*") if p.is_file()):
        for shown, at in _times_in_text(path.read_bytes()):
            if visit.caused(at) and _fine(at):
                fine.append(f"{path.name} holds {shown}")
    return fine


def test_a_reporters_visit_leaves_no_time_finer_than_the_hour(
    app: Flask, client: FlaskClient, admin: Account, forum_boards: None
) -> None:
    visit = Visit()
    _reporters_visit(client)
    _forum_readers_visit(app.test_client())
    visit.done()
    fine = _row_times(app, visit) + _redis_times(app, visit) + _file_times(Path(app.instance_path), visit)
    assert not fine, fine[:20]


GRANULARITY = {"second": 1, "minute": 60, "hour": HOUR, "day": 24 * HOUR}


def test_rate_limit_entries_end_on_the_clock(app: Flask, client: FlaskClient, admin: Account) -> None:
    """Flask-Limiter's windows started at a visitor's first request: each entry's expiry told that
    request's time to the second, for up to an hour. Now an hour's entry ends on the full hour and
    a minute's on a full minute, no sooner than its window: none dates a request to the second."""
    if app.extensions["portal.redis"] is None:
        pytest.skip("memory:// limits are in the process, not at rest")
    before = time.time()
    assert client.get("/report").status_code == 200
    assert submit(client).status_code == 303
    after = time.time()
    redis_client = app.extensions["portal.redis"]
    prefix = app.config["PORTAL"].redis_prefix
    windows = []
    for key in redis_client.scan_iter(match=f"LIMITS:LIMITER/{prefix}:*"):
        # .../<endpoint>/<amount>/<multiples>/<granularity>, e.g. .../reporting.report/5/1/hour
        *_, multiples, granularity = key.decode().split("/")
        window = int(multiples) * GRANULARITY[granularity]
        expiry = time.time() + redis_client.pttl(key) / 1000
        step = HOUR if window >= HOUR else 60
        off = expiry % step
        windows.append(window)
        assert min(off, step - off) <= 1, f"{key.decode()} ends {off:.1f} s into its {step} s step"
        if window < HOUR:  # never sooner than the window, at most a minute later
            assert before + window - 1 <= expiry <= after + window + 60 + 1, key.decode()
    assert HOUR in windows and 60 in windows, windows  # the report's hour and the pages' minute
    # The report's one-use token (portal/security/once.py): until the end of the next full hour.
    (once,) = redis_client.scan_iter(match=f"LIMITS:{prefix}:once:*")
    expiry = time.time() + redis_client.pttl(once) / 1000
    assert min(expiry % HOUR, HOUR - expiry % HOUR) <= 1 and HOUR - 1 <= expiry - before <= 2 * HOUR + 1


def test_a_reporters_session_row_expires_on_a_full_hour(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    """While the reporter is back with their code: their session's stored expiry is the hour."""
    assert submit(client).status_code == 303
    code = receipt_code(client)
    client.post("/report/receipt", data={"csrf_token": get_csrf(client, "/report/receipt"), "stored": "y"})
    before = time.time()
    assert open_with_code(client, code).status_code == 303
    redis_client = app.extensions["portal.redis"]
    if redis_client is not None:
        prefix = app.config["PORTAL"].redis_prefix
        keys = list(redis_client.scan_iter(match=f"{prefix}:session:*"))
        assert len(keys) == 1
        expiry = time.time() + redis_client.pttl(keys[0]) / 1000
    else:
        with Session(app.extensions["portal.engine"]) as db:
            (expires_at,) = db.scalars(select(ServerSession.expires_at)).all()
        expiry = expires_at.timestamp()
        assert expires_at.minute == expires_at.second == expires_at.microsecond == 0, expires_at
    # Rounded up: never before the exact idle end (20 min), at most an hour after it.
    assert before + 20 * 60 - SLACK <= expiry <= before + 20 * 60 + HOUR + SLACK
    assert min(expiry % HOUR, HOUR - expiry % HOUR) <= SLACK


def _session_rows(app: Flask) -> int:
    redis_client = app.extensions["portal.redis"]
    if redis_client is not None:
        prefix = app.config["PORTAL"].redis_prefix
        return len(list(redis_client.scan_iter(match=f"{prefix}:session:*")))
    with Session(app.extensions["portal.engine"]) as db:
        return len(db.scalars(select(ServerSession.id)).all())


def test_anonymous_pages_with_forms_start_no_session(app: Flask, admin: Account, forum_boards: None) -> None:
    visitor = app.test_client()
    for url in ("/", *FORM_PAGES, "/forum/", f"/forum/{SLUG}"):
        response = visitor.get(url)
        assert response.status_code == 200, url
        assert SESSION_COOKIE not in response.headers.get("Set-Cookie", ""), url
        if url in FORM_PAGES:
            assert 'name="csrf_token"' in response.get_data(as_text=True), url
    assert visitor.get_cookie(SESSION_COOKIE) is None
    assert _session_rows(app) == 0
