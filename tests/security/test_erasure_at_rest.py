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
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from portal.cases import erasure
from portal.config import Config
from portal.db import transaction
from portal.domain import Status, today
from portal.models import Attachment, AuditEvent, Message, Note, Report
from tests import stored_bytes
from tests.accounts import Account, AuthActions
from tests.csrf import get_csrf
from tests.reporting_helpers import (
    moderator_answers,
    only_report_id,
    open_with_code,
    reply,
    report_and_get_code,
)

# The case tables, and the audit log, whose events named the case by its number.
CASE_TABLES = ("reports", "messages", "attachments", "notes", "audit_events")
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
    return stored_bytes.needles(dict(zip(NAMES, stored, strict=True)))


@pytest.fixture
def config(config: Config, backend: str) -> Iterator[Config]:
    """On PostgreSQL a database of its own (see ``tests/stored_bytes.py``)."""
    with stored_bytes.database_of_its_own(config, backend) as own:
        yield own


def _where_found(app: Flask, found: dict[str, bytes]) -> list[str]:
    return stored_bytes.where_found(app, found, CASE_TABLES)


def _assert_gone(app: Flask, found: dict[str, bytes]) -> None:
    stored_bytes.assert_gone(app, found, CASE_TABLES)


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


def _subjects(app: Flask, report_id: int) -> list[str]:
    with Session(app.extensions["portal.engine"]) as db:
        query = select(AuditEvent.subject).where(AuditEvent.subject.startswith(f"case:{report_id}"))
        return [subject for subject in db.scalars(query) if subject is not None]


def test_the_case_number_in_the_audit_log_is_gone_from_the_stored_bytes(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    """The events stay, under a token: their old subjects must not stay behind in the files."""
    report_id, _stored = _make_case(app, admin)
    assert sorted(_subjects(app, report_id)) == [f"case:{report_id}"] * 2  # viewed, message sent
    needle = {"subject": f"case:{report_id}".encode()}
    assert _where_found(app, needle), "the search must see the audit log's subjects before the erase"
    auth.login(admin)
    _erase_as_admin(client, report_id)
    assert _subjects(app, report_id) == []
    _assert_gone(app, needle)


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
