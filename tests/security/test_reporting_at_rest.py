"""Report contents at rest: encrypted (canaries), found by one indexed query with one argon2id."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Date, event, inspect, text
from sqlalchemy.orm import Session

from portal.models import Attachment, Message, Report
from tests.conftest import Account
from tests.reporting_helpers import (
    attachment_contents,
    case_page,
    moderator_answers,
    only_report_id,
    open_with_code,
    reply,
    report_and_get_code,
)

CANARIES = {
    "description": "CANARY-DESCRIPTION-7f3a",
    "reply": "CANARY-REPLY-91bc",
    "answer": "CANARY-ANSWER-44de",
    "file": "CANARY-FILE-0c1d",
    "filename": "CANARY-FILENAME-5e6f",
}


def _all_row_bytes(app: Flask) -> bytes:
    engine = app.extensions["portal.engine"]
    dumped = []
    with Session(engine) as db:
        for table in inspect(engine).get_table_names():
            for row in db.execute(text(f'SELECT * FROM "{table}"')):
                for value in row:
                    dumped.append(
                        bytes(value) if isinstance(value, (bytes, memoryview)) else str(value).encode()
                    )
    return b"\n".join(dumped)


def test_no_canary_in_database_or_files(app: Flask, client: FlaskClient, admin: Account) -> None:
    note = io.BytesIO(f"Anteckning {CANARIES['file']}\n".encode())
    code = report_and_get_code(
        client,
        description=f"Beskrivning med {CANARIES['description']} i texten.",
        attachments=[(note, f"{CANARIES['filename']}.txt")],
    )
    open_with_code(client, code)
    assert reply(client, f"Svar från rapportören {CANARIES['reply']}").status_code == 303
    moderator_answers(app, admin, only_report_id(app), f"Moderatorns svar {CANARIES['answer']}")
    page = case_page(client)
    for name in ("description", "reply", "answer", "filename"):
        assert CANARIES[name] in page  # the reporter reads all of it ...
    assert CANARIES["file"].encode() in b"".join(attachment_contents(app, admin))
    rows = _all_row_bytes(app)
    app.extensions["portal.engine"].dispose()
    files = b"".join(
        p.read_bytes() for p in Path(app.config["PORTAL"].instance_path).rglob("*") if p.is_file()
    )
    for canary in CANARIES.values():
        assert canary.encode() not in rows  # ... the database does not
        assert canary.encode() not in files


def test_code_lookup_is_one_indexed_query_and_one_argon2id(
    app: Flask, client: FlaskClient, admin: Account, monkeypatch: Any
) -> None:
    from portal.security import codes

    code = report_and_get_code(client)
    calls: list[int] = []
    real_derive = codes.derive_key
    monkeypatch.setattr(codes, "derive_key", lambda *a: calls.append(1) or real_derive(*a))
    statements: list[str] = []
    engine = app.extensions["portal.engine"]

    def record(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        for attempt in [code, "0000-0000-0000-0000", "not a code"]:
            calls.clear()
            statements.clear()
            open_with_code(app.test_client(), attempt)
            assert len(calls) == 1, attempt  # one argon2id, known code or not, well-formed or not
            report_selects = [
                s for s in statements if "FROM reports" in s and s.lstrip().startswith("SELECT")
            ]
            assert len(report_selects) <= 2, report_selects
            assert any("reports.lookup = " in s for s in report_selects) or attempt == "not a code"
    finally:
        event.remove(engine, "before_cursor_execute", record)
    unique = {tuple(i["column_names"]) for i in inspect(engine).get_indexes("reports") if i["unique"]}
    unique |= {tuple(c["column_names"]) for c in inspect(engine).get_unique_constraints("reports")}
    assert ("lookup",) in unique


def test_reporter_rows_carry_dates_not_times(app: Flask) -> None:
    for model, column in [
        (Report, "created_on"),
        (Report, "code_last_used_on"),
        (Message, "created_on"),
        (Attachment, "created_on"),
    ]:
        assert isinstance(model.__table__.c[column].type, Date), (model, column)
    for model in (Report, Message, Attachment):
        for col in model.__table__.c:
            assert "time" not in type(col.type).__name__.lower() or col.name.endswith("_at") is False, (
                model,
                col.name,
            )
