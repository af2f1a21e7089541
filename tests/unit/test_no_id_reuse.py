"""An erased row's id is never given to a new row (migration 0018): the audit log's "case 2 erased"
names that case for good, on SQLite as on PostgreSQL."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.orm import Session

from portal.cases import erasure
from portal.config import Config
from tests.migration_helpers import migrate
from tests.unit.conftest import ReportFactory

TABLES = ("users", "reports", "messages", "attachments", "notes", "labels", "reply_templates")


def test_the_newest_erased_case_does_not_lend_its_id_to_the_next(
    app: Flask, db: Session, new_report: ReportFactory
) -> None:
    first, newest = new_report().id, new_report().id
    db.commit()
    with app.test_request_context():
        erasure.erase(db, newest, actor=None, vacuum=False)
        db.commit()
    assert new_report().id == newest + 1
    assert first == newest - 1


def test_the_migrated_sqlite_tables_are_autoincrement(config: Config) -> None:
    if config.database_url:
        pytest.skip("PostgreSQL's sequences never reuse an id")
    from portal import create_app, dispose

    app = create_app(config)
    try:
        migrate(app, "head")
        with app.extensions["portal.engine"].connect() as conn:
            declared = {
                name: sql
                for name, sql in conn.execute(
                    text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
                )
            }
        assert [name for name in TABLES if "AUTOINCREMENT" not in declared[name]] == []
    finally:
        dispose(app)
