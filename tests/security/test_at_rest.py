"""At rest (DESIGN.md §2, threats 2 and 6): what a database file, a dump, the session store or a log holds.

Canaries go into every free-text field and file through the real forms; secrets (codes, passwords,
the forum passphrase, TOTP keys, the recovery key, an invitation link) are collected as they are
shown. Then the raw SQLite file (with its write-ahead log), a ``pg_dump`` of the PostgreSQL schema, every session
and limiter entry in Redis or the session table, and every log line and instance file must hold
none of them, nor any client address. Forum posts and refusal reasons are meant for peers and are
plain text in the database by design: they must be found there (which shows the scan sees text at
all), but not in the session store or the logs.
"""

from __future__ import annotations

import io
import logging
import re
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from portal.forum import moderation as forum_moderation
from portal.forum.models import Post
from portal.models import Report, User
from tests.moderation_helpers import version_of
from tests.oral_helpers import minutes_seq
from tests.reporting_helpers import open_with_code, receipt_code, submit
from tests.security.world import ALL_ADDRESSES, World, build_world, token_of

PRIVATE = {  # encrypted at rest: never readable in any store
    "description": "CANARY-DESCRIPTION-7f3a",
    "file": "CANARY-FILE-0c1d",
    "filename": "CANARY-FILENAME-5e6f",
    "reply": "CANARY-REPLY-91bc",
    "added file": "CANARY-ADDED-FILE-2b7e",
    "moderator message": "CANARY-ANSWER-44de",
    "internal note": "CANARY-NOTE-8a21",
    "postponement reason": "CANARY-POSTPONED-6d3b",
    # Oral reporting (issue 15 part 1).
    "oral report": "CANARY-ORAL-REPORT-1e4c",
    "minutes": "CANARY-MINUTES-7b20",
    "correction": "CANARY-CORRECTION-c3a9",
    "meeting place": "CANARY-MEETING-PLACE-52f0",
}
# The day and time of an offered meeting: a time the reporter is to be somewhere, never plain
# (DESIGN.md §3), not even its date.
MEETING_DAY, MEETING_TIME = "2031-05-17", "13:47"
PUBLIC = {  # forum texts: plain in the database by design, nowhere else
    "thread title": "CANARY-TITLE-3c9d",
    "forum post": "CANARY-POST-6e0a",
    "refusal reason": "CANARY-REASON-d41f",
}
PASSWORDS = {
    "new account": "canary passphrase for a brand new account",
    "reset": "canary passphrase after an admin reset",
    "changed": "canary passphrase chosen by its owner",
    "forum gate": "canary forum gate passphrase",
}
ERROR_CANARY = "CANARY-IN-AN-EXCEPTION-5a5a"
PG_DUMPS = ("/usr/bin/pg_dump", *sorted(str(p) for p in Path("/usr/lib/postgresql").glob("*/bin/pg_dump")))


def _post(client: FlaskClient, url: str, **data: str) -> int:
    return int(client.post(url, data={"csrf_token": token_of(client), **data}).status_code)


def _secret_shown(html: str, pattern: str) -> str:
    match = re.search(pattern, html)
    assert match, pattern
    return match.group(1)


def _write_everything(world: World) -> list[str]:
    """Every kind of free text through the forms; returns the secrets that were shown on the way."""
    app, admin = world.app, world.client("admin")
    reporter = world.fresh_client()
    note = (io.BytesIO(f"Anteckning {PRIVATE['file']}\n".encode()), f"{PRIVATE['filename']}.txt")
    assert (
        submit(reporter, description=f"Beskrivning {PRIVATE['description']}.", attachments=[note]).status_code
        == 303
    )
    code = receipt_code(reporter)
    assert _post(reporter, "/report/receipt", stored="y") == 303
    assert open_with_code(reporter, code).status_code == 303
    assert _post(reporter, "/followup/reply", message=f"Svar {PRIVATE['reply']}") == 303
    added = {
        "csrf_token": token_of(reporter),
        "attachments": (io.BytesIO(f"Mer {PRIVATE['added file']}".encode()), "mer.txt"),
    }
    assert reporter.post("/followup/reply", data=added, content_type="multipart/form-data").status_code == 303
    with Session(app.extensions["portal.engine"]) as db:
        report_id = db.scalars(select(Report.id).order_by(Report.id.desc())).first() or 0
    case = f"/moderation/cases/{report_id}"
    for action, field in (("message", "moderator message"), ("note", "internal note")):
        version = version_of(admin.get(case).get_data(as_text=True))
        assert _post(admin, f"{case}/{action}", version=version, **{action: f"Text {PRIVATE[field]}"}) == 303
    # Oral reporting (issue 15 part 1): minutes, the reporter's correction, a meeting offered.
    assert _post(admin, f"{case}/minutes", minutes=f"Protokoll {PRIVATE['minutes']}") == 303
    offer = {"date": MEETING_DAY, "time": MEETING_TIME, "place": f"Plats {PRIVATE['meeting place']}"}
    assert _post(admin, f"{case}/offer", **offer) == 303
    seq = minutes_seq(reporter.get("/followup/case").get_data(as_text=True))
    correction = {"seq": seq, "correction": f"Rättelse {PRIVATE['correction']}"}
    assert _post(reporter, "/followup/minutes/correct", **correction) == 303
    oral = {"kind": "influence", "description": f"Muntligt {PRIVATE['oral report']}"}
    assert _post(admin, "/moderation/cases/oral", **oral) == 303
    oral_code = _secret_shown(
        admin.get("/moderation/cases/oral/code").get_data(as_text=True), r"data-receipt-code>([0-9A-Z-]+)<"
    )
    # A closed case's erasure postponed, with a reason (issue 15 part 4).
    version = version_of(admin.get(case).get_data(as_text=True))
    assert _post(admin, f"{case}/status", version=version, status="closed", outcome="no_action") == 303
    assert _post(admin, f"{case}/postpone", days="10", reason=f"Skäl {PRIVATE['postponement reason']}") == 303
    # The control: the people meant to read them do.
    seen_by_reporter = reporter.get("/followup/case").get_data(as_text=True)
    assert all(
        PRIVATE[k] in seen_by_reporter
        for k in ("description", "filename", "reply", "moderator message", "minutes", "correction")
    )
    assert f"{MEETING_DAY} {MEETING_TIME}" in seen_by_reporter
    seen_by_moderator = admin.get(case).get_data(as_text=True)
    assert all(
        PRIVATE[k] in seen_by_moderator
        for k in ("description", "filename", "reply", "internal note", "postponement reason", "correction")
    )
    assert f"{MEETING_DAY} {MEETING_TIME}" in seen_by_moderator
    # A colleague invited by the admin makes the account through the link (issue 17, item 14).
    assert _post(admin, "/moderation/users/new", username="canarie", role="moderator") == 303
    invitation = _secret_shown(
        admin.get("/moderation/users/invitation").get_data(as_text=True), r'/enrol/([A-Za-z0-9_-]{43})"'
    )
    invited = world.fresh_client()
    assert invited.get(f"/enrol/{invitation}").status_code == 200
    passphrase = {"password": PASSWORDS["new account"], "confirm": PASSWORDS["new account"]}
    assert _post(invited, f"/enrol/{invitation}", **passphrase) == 302
    new_totp = _secret_shown(invited.get("/setup/totp").get_data(as_text=True), r'data-secret="([A-Z2-7]+)"')
    assert _post(invited, "/setup/totp", totp=pyotp.TOTP(new_totp).now()) == 302
    assert _post(admin, f"/moderation/users/{world.moderator_id}/reset") == 303
    reset_link = _secret_shown(
        admin.get("/moderation/users/invitation").get_data(as_text=True), r'/enrol/([A-Za-z0-9_-]{43})"'
    )
    reset_owner = world.fresh_client()
    assert reset_owner.get(f"/enrol/{reset_link}").status_code == 200
    passphrase = {"password": PASSWORDS["reset"], "confirm": PASSWORDS["reset"]}
    assert _post(reset_owner, f"/enrol/{reset_link}", **passphrase) == 302
    reset_totp = _secret_shown(
        reset_owner.get("/setup/totp").get_data(as_text=True), r'data-secret="([A-Z2-7]+)"'
    )
    assert _post(reset_owner, "/setup/totp", totp=pyotp.TOTP(reset_totp).now()) == 302
    change = {"current": world.no_key.password, "new": PASSWORDS["changed"], "confirm": PASSWORDS["changed"]}
    assert _post(world.client("no_key"), "/moderation/account/password", **change) == 302
    writer = world.fresh_client()
    writer.post("/forum/code/new", data={"csrf_token": token_of(writer)})
    forum_code = _secret_shown(
        writer.get("/forum/code/receipt").get_data(as_text=True), r"data-receipt-code>([0-9A-Z-]+)<"
    )
    thread = {"title": PUBLIC["thread title"], "body": f"Inlägg {PUBLIC['forum post']}", "action": "send"}
    assert _post(writer, "/forum/hot-och-trakasserier/new", **thread) == 303
    assert (
        _post(
            writer,
            "/forum/hot-och-trakasserier/new",
            title="Till avslag",
            body="Det här avslås.",
            action="send",
        )
        == 303
    )
    with Session(app.extensions["portal.engine"]) as db:
        first, refused = db.scalars(select(Post.id).order_by(Post.id.desc()).limit(2)).all()[::-1]
        forum_moderation.approve(db, first, db.get(User, 1))
        db.commit()
    assert (
        _post(admin, f"/moderation/forum/posts/{refused}/reject", reason=f"Nej {PUBLIC['refusal reason']}")
        == 303
    )
    assert _post(admin, "/moderation/forum/settings/gate", passphrase=PASSWORDS["forum gate"]) == 303
    assert _post(writer, "/forum/gate", passphrase=PASSWORDS["forum gate"]) == 303
    failing = admin.get(f"/_test/fail?why={ERROR_CANARY}")
    assert failing.status_code == 500
    accounts = (world.admin, world.moderator, world.no_key)
    return [
        code,
        oral_code,
        MEETING_DAY,
        forum_code,
        invitation,
        reset_link,
        new_totp,
        reset_totp,
        *PASSWORDS.values(),
        ERROR_CANARY,
        *(a.totp.secret for a in accounts),
        *(a.password for a in accounts),
        world.code,
        world.other_code,
        world.forum_code,
        world.other_forum_code,
        *(a.recovery_key for a in accounts if a.recovery_key),
    ]


def _found(haystack: bytes, needles: Iterable[str]) -> list[str]:
    return [
        needle for needle in needles if needle.encode() in haystack or needle.encode("utf-16-le") in haystack
    ]


def _database_bytes(app: Flask) -> bytes:
    """The SQLite file with its write-ahead log as they lie on disk, or a pg_dump of the schema."""
    url = make_url(app.extensions["portal.engine"].url)
    if url.get_backend_name() == "sqlite":
        database = Path(url.database or "")
        files = [database, Path(f"{database}-wal"), Path(f"{database}-shm")]
        raw = b"".join(p.read_bytes() for p in files if p.exists())
        app.extensions["portal.engine"].dispose()  # checkpoints the log into the file
        return raw + database.read_bytes()
    dump = next((p for p in PG_DUMPS if Path(p).exists()), None) or shutil.which("pg_dump")
    if dump is None:
        pytest.skip("pg_dump not installed: the PostgreSQL dump is not checked")
    schema = re.search(r"search_path=(\w+)", str(url.query.get("options", "")))
    assert schema, url
    libpq = url.set(drivername="postgresql", query={}).render_as_string(hide_password=False)
    result = subprocess.run(
        [dump, "--no-owner", "-n", schema.group(1), libpq], capture_output=True, check=True, timeout=60
    )
    return result.stdout


def _redis_value(client: Any, key: bytes) -> bytes:
    kind = client.type(key)
    if kind == b"string":
        return bytes(client.get(key) or b"")
    if kind == b"list":
        return b"\n".join(client.lrange(key, 0, -1))
    if kind == b"hash":
        return repr(client.hgetall(key)).encode()
    if kind == b"set":  # a moderator's session ids (<prefix>:session-owner:<user id>)
        return b"\n".join(sorted(client.smembers(key)))
    if kind == b"zset":
        return repr(client.zrange(key, 0, -1, withscores=True)).encode()
    raise AssertionError(f"a Redis entry of a kind this scan does not read: {kind!r}")


def _session_store_bytes(app: Flask) -> bytes:
    """Every Redis entry of this installation (sessions, limiter counters, daily secrets), key and value."""
    client = app.extensions["portal.redis"]
    if client is None:
        return b""  # the session table is part of the database scan
    prefix = app.config["PORTAL"].redis_prefix
    out = []
    for key in [
        *client.scan_iter(match=f"{prefix}:*"),
        *client.scan_iter(match=f"LIMITS:LIMITER/{prefix}:*"),
    ]:
        out.append(bytes(key) + b"=" + _redis_value(client, key))
    assert out, "no Redis entries found for this installation"
    return b"\n".join(out)


@pytest.fixture
def failing_world(app: Flask) -> World:
    """The world, on an app with a test-only route whose exception message quotes the request."""

    @app.get("/_test/fail")
    def fail() -> str:
        from flask import request

        raise RuntimeError(f"this message quotes the request: {request.args.get('why')}")

    return build_world(app)


def test_no_secret_canary_or_address_at_rest(failing_world: World, caplog: pytest.LogCaptureFixture) -> None:
    world = failing_world
    app = world.app
    caplog.set_level(logging.DEBUG)
    secrets = _write_everything(world)
    private = [*PRIVATE.values(), *secrets, *ALL_ADDRESSES]
    sessions = _session_store_bytes(app)
    instance = Path(app.config["PORTAL"].instance_path)
    database = _database_bytes(app)
    paths = [p for p in instance.rglob("*") if p.is_file()]
    files = b"\n".join(p.read_bytes() for p in paths)
    other_files = b"\n".join(p.read_bytes() for p in paths if ".sqlite3" not in p.name)
    assert not _found(database, private), "in the database"
    assert _found(database, PUBLIC.values()) == list(PUBLIC.values()), "forum texts are plain in the database"
    assert not _found(sessions, [*private, *PUBLIC.values()]), "in the session store"
    assert not _found(files, private), "in a file under the instance path"
    assert not _found(other_files, PUBLIC.values()), "forum text in a file besides the database"
    logged = "\n".join(r.getMessage() for r in caplog.records).encode()
    assert "unhandled RuntimeError" in caplog.text  # the 500 was logged, without its message
    assert not _found(logged, private), "in the log"
    # SQLAlchemy's debug log prints statement parameters: forum texts are among them, by design.
    outside_sql = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("sqlalchemy"))
    assert not _found(outside_sql.encode(), PUBLIC.values()), "forum text in a log line"
