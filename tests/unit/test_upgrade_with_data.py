"""Upgrades keep data: a database made by an old migration, with rows in it, reaches head intact.

The rows are written with plain SQL in the old schema (tests/migration_helpers.py); after
``flask --app wsgi db upgrade`` they are read back through today's models and over HTTP.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from portal.accounts import service as accounts
from portal.cases import vault
from portal.config import Config
from portal.domain import Status
from portal.forum.defaults import DEFAULT_BOARDS
from portal.forum.models import Board, BoardText
from portal.models import Attachment, AuditEvent, Report, Role
from tests.accounts import AuthActions
from tests.migration_helpers import (
    BOARDS_0004,
    CREATED_AT,
    CREATED_ON,
    DESCRIPTION_0002,
    FILE_0002,
    MESSAGE_0002,
    boards_0004,
    migrate,
    unmigrate,
    unmigrated_app,
    write_0001,
    write_0002_report,
    write_0004_boards,
)
from tests.moderation_helpers import case_html
from tests.reporting_helpers import case_page, open_with_code
from tests.security.html_inspection import assert_inert


def _counts(app: Flask, names: list[str]) -> dict[str, int]:
    with app.extensions["portal.engine"].connect() as conn:
        return {
            name: conn.scalar(sa.select(sa.func.count()).select_from(sa.table(name))) or 0 for name in names
        }


def _foreign_keys_still_enforced(app: Flask) -> None:
    """SQLite migrations switch foreign keys off; the pooled connection must get them back."""
    with app.extensions["portal.engine"].connect() as conn:
        if conn.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_rows_written_by_0001_survive_the_upgrade_to_head(config: Config) -> None:
    with unmigrated_app(config) as app:
        migrate(app, "0001")
        old = write_0001(app)
        before = _counts(app, ["installation", "users", "audit_events"])
        migrate(app)
        _foreign_keys_still_enforced(app)
        assert _counts(app, list(before)) == before == {"installation": 1, "users": 1, "audit_events": 1}
        with Session(app.extensions["portal.engine"]) as db:
            user = accounts.find(db, old.account.username)
            assert user.role is Role.ADMIN and user.active and user.notify_email is None
            assert user.created_at == CREATED_AT.replace(tzinfo=dt.UTC)
            assert (
                accounts.open_org_key(user, old.account.password, app.config["PORTAL"]) == old.org_private_key
            )
            event = db.scalars(sa.select(AuditEvent)).one()
            assert (event.event, event.actor_id) == ("user:account:created", user.id)
        client = app.test_client()
        response = AuthActions(client).login(old.account)
        assert response.status_code == 302 and response.location.endswith("/moderation/")


def test_a_report_written_by_0002_opens_by_its_code_after_the_upgrade(config: Config) -> None:
    with unmigrated_app(config) as app:
        migrate(app, "0002")
        old = write_0002_report(app, write_0001(app))
        migrate(app)
        assert _counts(app, ["reports", "messages", "attachments"]) == {
            "reports": 1,
            "messages": 1,
            "attachments": 1,
        }
        with Session(app.extensions["portal.engine"]) as db:
            report = db.scalars(sa.select(Report)).one()
            # 0003 gave the old report its first legal deadline: acknowledge within 7 days.
            assert report.due_on == CREATED_ON + dt.timedelta(days=7)
            assert (report.status, report.version, report.awaiting_moderator) == (Status.NEW, 1, False)
            assert 0 <= report.record_key < 65536  # 0012 drew it for the old report (cell_key.py)
            key = vault.key_from_org(report, old.org_private_key)
            assert vault.decrypt(key, report.description) == DESCRIPTION_0002
            assert [vault.file_content(key, item) for item in db.scalars(sa.select(Attachment))] == [
                FILE_0002
            ]
            report_id = report.id
        reporter = app.test_client()
        assert open_with_code(reporter, old.code).status_code == 303
        page = case_page(reporter)
        assert DESCRIPTION_0002 in page and MESSAGE_0002 in page
        moderator = app.test_client()
        AuthActions(moderator).login(old.account)
        assert DESCRIPTION_0002 in case_html(moderator, report_id)


def _board_texts(app: Flask) -> dict[str, dict[str, str]]:
    """Every board's rows in forum_board_texts, in the shape of 0004's columns, by slug."""
    with Session(app.extensions["portal.engine"]) as db:
        return {
            board.slug: {
                f"{field}_{code}": getattr(text, field)
                for field in ("name", "description")
                for code, text in board.texts.items()
            }
            for board in db.scalars(sa.select(Board))
        }


def _board_id(db: Session, slug: str) -> int:
    return db.scalars(sa.select(Board.id).where(Board.slug == slug)).one()


def test_board_names_in_0004_columns_become_rows_and_go_back_on_downgrade(config: Config) -> None:
    with unmigrated_app(config) as app:
        migrate(app, "0001")
        old = write_0001(app)
        migrate(app, "0006")
        write_0004_boards(app)
        before = boards_0004(app)
        assert len(before) == len(DEFAULT_BOARDS) + len(BOARDS_0004)
        migrate(app)
        _foreign_keys_still_enforced(app)
        counts = {"forum_boards": len(before), "forum_threads": 2, "forum_board_texts": 2 * len(before)}
        assert _counts(app, list(counts)) == counts  # rebuilding forum_boards cascaded nothing away
        assert _board_texts(app) == before
        reader, admin = app.test_client(), app.test_client()
        AuthActions(admin).login(old.account)
        for code in ("sv", "en"):
            shown = [
                texts[f"{field}_{code}"]
                for texts in BOARDS_0004.values()
                for field in ("name", "description")
            ]
            assert_inert(reader.get(f"/forum/?lang={code}").get_data(as_text=True), shown, f"forum ({code})")
            names = [texts[f"name_{code}"] for texts in BOARDS_0004.values()]
            settings = admin.get(f"/moderation/forum/settings?lang={code}").get_data(as_text=True)
            assert_inert(settings, names, f"forum settings ({code})")

        # A board without an English text (as after adding a language) downgrades to its Swedish one.
        with Session(app.extensions["portal.engine"]) as db:
            db.delete(db.get_one(BoardText, (_board_id(db, "fortroendevalda"), "en")))
            db.commit()
        unmigrate(app, "0006")
        _foreign_keys_still_enforced(app)
        kept = before["fortroendevalda"]
        expected = {
            **before,
            "fortroendevalda": {**kept, "name_en": kept["name_sv"], "description_en": kept["description_sv"]},
        }
        assert boards_0004(app) == expected
        engine = app.extensions["portal.engine"]
        assert "forum_board_texts" not in sa.inspect(engine).get_table_names()
        columns = {column["name"]: column for column in sa.inspect(engine).get_columns("forum_boards")}
        assert [columns[name]["nullable"] for name in expected["fortroendevalda"]] == [False] * 4
        assert _counts(app, ["forum_boards", "forum_threads"]) == {
            "forum_boards": len(before),
            "forum_threads": 2,
        }
        migrate(app)  # and up again
        assert _board_texts(app) == expected


def test_0012_draws_a_record_key_for_every_report_and_goes_back(config: Config) -> None:
    with unmigrated_app(config) as app:
        migrate(app, "0002")
        write_0002_report(app, write_0001(app))
        migrate(app, "0012")
        with app.extensions["portal.engine"].connect() as conn:
            keys = conn.execute(sa.text("SELECT record_key FROM reports")).scalars().all()
        assert len(keys) == 1 and 0 <= keys[0] < 65536
        unmigrate(app, "0011")
        with app.extensions["portal.engine"].connect() as conn:
            columns = [column["name"] for column in sa.inspect(conn).get_columns("reports")]
        assert "record_key" not in columns
