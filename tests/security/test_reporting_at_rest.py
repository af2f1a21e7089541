"""Reports are found by one indexed query with one argon2id; reporter rows carry dates only.

That their contents are encrypted at rest is checked, with every other store, in test_at_rest.py.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Date, event, inspect

from portal.models import Attachment, Message, Report
from tests.accounts import Account
from tests.reporting_helpers import (
    open_with_code,
    report_and_get_code,
)


def test_code_lookup_is_one_indexed_query_and_one_argon2id(
    app: Flask, client: FlaskClient, admin: Account, monkeypatch: Any
) -> None:
    from portal.security import codes, crypto

    code = report_and_get_code(client)
    calls: list[int] = []
    real_derive = crypto.derive_key  # what codes.derive_key is

    def counting_derive(secret: bytes, salt: bytes, cost: crypto.KdfCost) -> bytes:
        calls.append(1)
        return real_derive(secret, salt, cost)

    monkeypatch.setattr(codes, "derive_key", counting_derive)
    statements: list[str] = []
    engine = app.extensions["portal.engine"]

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
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
