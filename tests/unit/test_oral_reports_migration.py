"""0023 (oral reports, minutes, meeting offers) with rows in place: every report so far came in
online and every message is a plain message, unanswered; the old message still opens with the
reporter's code after the upgrade and takes minutes beside it. Downgrade drops the columns, keeps
the rows and, on SQLite, the tables' AUTOINCREMENT (0018)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Flask

from portal.config import Config
from tests.migration_helpers import (
    MESSAGE_0002,
    migrate,
    read,
    unmigrate,
    unmigrated_app,
    write_0001,
    write_0002_report,
)
from tests.reporting_helpers import case_page, open_with_code
from tests.unit.test_no_id_reuse import TABLES

NEW_COLUMNS = {"kind", "refers_to_seq", "meeting_at", "response", "responded_on"}


def _columns(app: Flask, table: str) -> set[str]:
    return {column["name"] for column in sa.inspect(app.extensions["portal.engine"]).get_columns(table)}


def _autoincrement_lost(app: Flask) -> list[str]:
    if app.extensions["portal.engine"].dialect.name != "sqlite":
        return []
    declared = dict(read(app, "SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
    return [name for name in TABLES if "AUTOINCREMENT" not in declared[name]]


def test_0023_makes_old_reports_online_and_old_messages_plain_and_goes_back(config: Config) -> None:
    with unmigrated_app(config) as app:
        migrate(app, "0001")
        old = write_0001(app)
        migrate(app, "0002")
        old = write_0002_report(app, old)
        migrate(app, "0022")
        messages_before = read(app, "SELECT id, report_id, seq, author, body FROM messages")

        migrate(app, "0023")
        assert read(app, "SELECT channel FROM reports") == [("online",)]
        assert read(
            app, "SELECT seq, kind, refers_to_seq, meeting_at, response, responded_on FROM messages"
        ) == [(1, "message", None, None, None, None)]
        assert read(app, "SELECT id, report_id, seq, author, body FROM messages") == messages_before
        assert _autoincrement_lost(app) == []

        # A minutes row and an oral report written in the new schema, then down again.
        with app.extensions["portal.engine"].begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO messages (report_id, seq, author, body, created_on, is_feedback, kind, "
                    "response, responded_on) SELECT report_id, 2, 'moderator', body, created_on, :no, "
                    "'minutes', 'approved', :day FROM messages WHERE seq = 1"
                ),
                {"no": False, "day": dt.date(2026, 12, 7)},
            )
            conn.execute(sa.text("UPDATE reports SET channel = 'oral'"))
        unmigrate(app, "0022")
        assert "channel" not in _columns(app, "reports")
        assert _columns(app, "messages").isdisjoint(NEW_COLUMNS)
        assert read(app, "SELECT seq, author FROM messages ORDER BY seq") == [
            (1, "moderator"),
            (2, "moderator"),
        ]
        assert _autoincrement_lost(app) == []

        # Up again: the old report opens with its code and reads as before.
        migrate(app, "head")
        assert read(app, "SELECT channel FROM reports") == [("online",)]
        reporter = app.test_client()
        assert open_with_code(reporter, old.code).status_code == 303
        assert MESSAGE_0002 in case_page(reporter)
