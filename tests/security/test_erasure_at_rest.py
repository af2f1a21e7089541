"""An erased case must be gone from the bytes of the database, not only from its tables (threats 2, 6).

The attack: a report with a reply, a moderator's answer and a file; the stored ciphertext read
from the database; the case erased (by an admin over HTTP, and separately by the retention
purge); then the raw bytes searched for that ciphertext, whole and a slice of it. On SQLite the
bytes are the database file with its ``-wal`` and ``-shm`` (a deleted row stays in the WAL until
a checkpoint, and in the page's free space unless ``secure_delete`` zeroes it). On PostgreSQL
they are the tuples of every page of the case tables and their TOAST tables, read with
``pageinspect`` (a deleted row stays there as a dead tuple until VACUUM). Before erasing, the same
search must find the ciphertext: it shows the search sees the stored bytes at all.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from portal.cases import erasure
from portal.config import Config
from portal.db import transaction
from portal.domain import Status, today
from portal.models import Attachment, Message, Note, Report
from tests.accounts import Account, AuthActions
from tests.csrf import get_csrf
from tests.reporting_helpers import (
    moderator_answers,
    only_report_id,
    open_with_code,
    reply,
    report_and_get_code,
)
from tests.settings import PG_URL

CASE_TABLES = ("reports", "messages", "attachments", "notes")
# A file big enough for SQLite's overflow pages and PostgreSQL's TOAST table (a page is 4 or 8 KiB).
FILE_TEXT = "".join(f"Rad {n}: anteckning om vad som hände på mötet.\n" for n in range(600)).encode()


NAMES = ("description", "key sealed", "key wrapped", "reply", "answer", "file meta", "file content")


def _make_case(app: Flask, admin: Account) -> tuple[int, list[bytes]]:
    """A report with a file, a reply and an answer; returns its id and every ciphertext it stored."""
    reporter = app.test_client()
    code = report_and_get_code(reporter, attachments=[(io.BytesIO(FILE_TEXT), "mote.txt")])
    report_id = only_report_id(app)
    assert open_with_code(reporter, code).status_code == 303
    assert reply(reporter, "Det hände igen i dag, samma person.").status_code == 303
    moderator_answers(app, admin, report_id, "Tack, vi har tagit emot din rapport.")
    with Session(app.extensions["portal.engine"]) as db:
        report = db.get_one(Report, report_id)
        stored = [report.description, report.key_sealed, report.key_wrapped]
        stored += db.scalars(select(Message.body).where(Message.report_id == report_id))
        for meta, content in db.execute(
            select(Attachment.meta, Attachment.content).where(Attachment.report_id == report_id)
        ):
            stored += [meta, content]
    assert len(stored) == 7 and len(stored[-1]) > len(FILE_TEXT)  # 2 messages, a file's meta and content
    return report_id, stored


def _needles(stored: list[bytes]) -> dict[str, bytes]:
    """Each ciphertext whole, and a slice from its middle (found even if the value was split up)."""
    needles = {}
    for name, value in zip(NAMES, stored, strict=True):
        middle = len(value) // 2
        needles[name] = value
        needles[name + " (slice)"] = value[middle - 16 : middle + 16]
    return needles


def _sqlite_bytes(app: Flask) -> dict[str, bytes]:
    database = Path(make_url(app.config["PORTAL"].sqlalchemy_url).database or "")
    files = [database, database.with_name(database.name + "-wal"), database.with_name(database.name + "-shm")]
    return {path.name: path.read_bytes() for path in files if path.exists()}


@pytest.fixture
def config(config: Config, backend: str) -> Iterator[Config]:
    """On PostgreSQL, a database of its own rather than a schema of the shared one: VACUUM keeps a
    dead tuple that any open transaction in the same database might still see, and other test
    runs on the shared database keep transactions open all the time (the proof could not pass)."""
    if backend == "sqlite":
        yield config
        return
    name = "erase_" + uuid.uuid4().hex[:12]
    server = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        yield config.replace(database_url=url)
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def _pageinspect(app: Flask) -> None:
    try:
        with (
            app.extensions["portal.engine"].connect().execution_options(isolation_level="AUTOCOMMIT") as conn
        ):
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect WITH SCHEMA public"))
    except SQLAlchemyError as exc:
        pytest.skip(f"pageinspect is not available on this PostgreSQL server: {exc}")


def _postgres_tuples(app: Flask) -> dict[str, bytes]:
    """The data of every tuple, live or dead, on every page of the case tables and their TOAST."""
    _pageinspect(app)
    found: dict[str, bytes] = {}
    with app.extensions["portal.engine"].connect() as conn:
        for table in CASE_TABLES:
            toast = conn.scalar(
                text("SELECT reltoastrelid::regclass::text FROM pg_class WHERE oid = CAST(:t AS regclass)"),
                {"t": table},
            )
            for relation in (table, toast):
                if not relation or relation == "-":
                    continue
                pages = conn.scalar(
                    text(
                        "SELECT pg_relation_size(CAST(:r AS regclass)) / current_setting('block_size')::int"
                    ),
                    {"r": relation},
                )
                chunks = [
                    bytes(data)
                    for page in range(int(pages or 0))
                    for data in conn.scalars(
                        text("SELECT t_data FROM public.heap_page_items(public.get_raw_page(:r, :n))"),
                        {"r": relation, "n": page},
                    )
                    if data is not None
                ]
                found[relation] = b"\x00".join(chunks)
    return found


def _stored_bytes(app: Flask) -> dict[str, bytes]:
    if app.extensions["portal.engine"].dialect.name == "sqlite":
        return _sqlite_bytes(app)
    return _postgres_tuples(app)


def _where_found(app: Flask, needles: dict[str, bytes]) -> list[str]:
    return [
        f"{name} in {where}"
        for where, data in _stored_bytes(app).items()
        for name, needle in needles.items()
        if needle in data
    ]


def _assert_gone(app: Flask, needles: dict[str, bytes]) -> None:
    found = _where_found(app, needles)
    assert found == [], f"{len(found)} of {len(needles)} still stored: " + "; ".join(found)


def _erase_as_admin(client: FlaskClient, report_id: int) -> None:
    token = get_csrf(client, f"/moderation/cases/{report_id}/erase")
    done = client.post(
        f"/moderation/cases/{report_id}/erase", data={"csrf_token": token, "confirm_number": report_id}
    )
    assert done.status_code == 303


def test_a_case_erased_by_an_admin_leaves_no_ciphertext_in_the_stored_bytes(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    report_id, stored = _make_case(app, admin)
    needles = _needles(stored)
    assert _where_found(app, needles), "the search must see the stored ciphertext before the erase"
    auth.login(admin)
    _erase_as_admin(client, report_id)
    _assert_gone(app, needles)


def test_a_case_erased_by_the_retention_purge_leaves_no_ciphertext_in_the_stored_bytes(
    app: Flask, admin: Account
) -> None:
    report_id, stored = _make_case(app, admin)
    needles = _needles(stored)
    assert _where_found(app, needles)
    retention = app.config["PORTAL"].retention_days
    with Session(app.extensions["portal.engine"]) as db:
        closed_on = today() - dt.timedelta(days=retention + 1)
        db.execute(
            update(Report).where(Report.id == report_id).values(status=Status.CLOSED, closed_on=closed_on)
        )
        db.commit()
    result = app.test_cli_runner().invoke(args=["purge-expired"])
    assert result.exit_code == 0 and "1 closed case(s) erased" in result.output
    _assert_gone(app, needles)
    with Session(app.extensions["portal.engine"]) as db:
        assert db.scalars(select(Note.id)).all() == []


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_reader_holding_the_wal_does_not_fail_the_erase_and_the_next_commit_finishes_it(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions, caplog: pytest.LogCaptureFixture
) -> None:
    report_id, stored = _make_case(app, admin)
    needles = _needles(stored)
    auth.login(admin)
    database = make_url(app.config["PORTAL"].sqlalchemy_url).database or ""
    reader = sqlite3.connect(database, isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM reports").fetchone()  # holds a snapshot in the WAL
        with caplog.at_level(logging.WARNING):
            _erase_as_admin(client, report_id)
        assert client.get(f"/moderation/cases/{report_id}").status_code == 404  # the erase stands
        assert "checkpoint" in caplog.text and "1 so far" in caplog.text
        assert f"case {report_id}" not in caplog.text and "203.0.113.77" not in caplog.text
        assert _where_found(app, needles)  # still in the WAL while the reader holds it
    finally:
        reader.close()
    report_and_get_code(app.test_client())  # the next commit, of anything, retries the checkpoint
    _assert_gone(app, needles)


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_purge_that_stopped_before_its_vacuum_is_finished_by_the_next_run(
    app: Flask, admin: Account
) -> None:
    report_id, stored = _make_case(app, admin)
    needles = _needles(stored)
    with app.app_context(), transaction() as db:  # the purge's erase committed, then it stopped
        erasure.erase(db, report_id, None, vacuum=False)
    assert _where_found(app, needles)  # dead tuples, until a VACUUM
    result = app.test_cli_runner().invoke(args=["purge-expired"])
    assert result.exit_code == 0 and "0 closed case(s) erased" in result.output
    _assert_gone(app, needles)
