"""0019 (case keys) with rows in place: a plain moderator who held the organisation key keeps their
access (``case_access``) and the key until converted, an admin gets no ``case_access`` (they read
through the organisation key), no report is kept to its assignee. Downgrade drops the columns and
the tables, keeps the rows and, on SQLite, the tables AUTOINCREMENT (0018); after the upgrade the
admin's log-in converts the moderator to case keys."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from portal import installation
from portal.accounts import service as accounts
from portal.cases import access_jobs, vault
from portal.config import Config
from portal.models import CaseKey, Report
from portal.security import crypto, user_keys
from tests.accounts import PASSWORD, AuthActions
from tests.migration_helpers import (
    DESCRIPTION_0002,
    OldData,
    migrate,
    read,
    unmigrate,
    unmigrated_app,
    write_0001,
    write_0002_report,
)
from tests.unit.test_no_id_reuse import TABLES


def _write_moderator_0018(app: Flask, old: OldData) -> None:
    """A plain moderator granted before case keys: the organisation key sealed to their own key
    pair. Every other column as the admin's row has it (written in 0018's schema, by reflection)."""
    cost = installation.kdf_cost(app.config["PORTAL"])
    pair = crypto.wrap_key_pair(crypto.KeyPair.generate(), PASSWORD, cost)
    with app.extensions["portal.engine"].begin() as conn:
        users = sa.Table("users", sa.MetaData(), autoload_with=conn)
        row: dict[str, Any] = dict(
            conn.execute(sa.select(users).where(users.c.username == old.account.username)).mappings().one()
        )
        del row["id"]
        row.update(
            username="oldmod",
            role="moderator",
            public_key=pair.public,
            private_key_wrapped=pair.private_wrapped,
            kdf_salt=pair.kdf_salt,
            org_key_sealed=crypto.seal(pair.public, old.org_private_key),
        )
        conn.execute(sa.insert(users).values(**row))


def _columns(app: Flask, table: str) -> set[str]:
    return {column["name"] for column in sa.inspect(app.extensions["portal.engine"]).get_columns(table)}


def _autoincrement_lost(app: Flask) -> list[str]:
    if app.extensions["portal.engine"].dialect.name != "sqlite":
        return []
    declared = dict(read(app, "SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
    return [name for name in TABLES if "AUTOINCREMENT" not in declared[name]]


def test_0019_keeps_the_legacy_moderators_access_and_goes_back(config: Config) -> None:
    with unmigrated_app(config) as app:
        migrate(app, "0001")
        old = write_0001(app)
        migrate(app, "0002")
        old = write_0002_report(app, old)
        migrate(app, "0018")
        _write_moderator_0018(app, old)
        sealed_before = read(app, "SELECT username, org_key_sealed FROM users ORDER BY username")

        migrate(app, "0019")
        assert read(app, "SELECT username, role, case_access FROM users ORDER BY username") == [
            ("oldadmin", "admin", False),
            ("oldmod", "moderator", True),
        ]
        assert read(app, "SELECT only_assigned FROM reports") == [(False,)]
        assert read(app, "SELECT username, org_key_sealed FROM users ORDER BY username") == sealed_before
        for table in ("case_keys", "case_exclusions", "access_jobs"):
            assert read(app, f"SELECT count(*) FROM {table}") == [(0,)]
        assert _autoincrement_lost(app) == []

        unmigrate(app, "0018")
        assert "case_access" not in _columns(app, "users")
        assert "only_assigned" not in _columns(app, "reports")
        tables = set(sa.inspect(app.extensions["portal.engine"]).get_table_names())
        assert tables.isdisjoint({"case_keys", "case_exclusions", "access_jobs"})
        assert read(app, "SELECT username, org_key_sealed FROM users ORDER BY username") == sealed_before
        assert read(app, "SELECT count(*) FROM reports") == [(1,)]
        assert _autoincrement_lost(app) == []

        # Up again: the admin's log-in converts the moderator (case keys, their organisation key gone).
        migrate(app, "head")
        assert read(app, "SELECT username, case_access FROM users ORDER BY username") == [
            ("oldadmin", False),
            ("oldmod", True),
        ]
        assert AuthActions(app.test_client()).login(old.account).status_code == 302
        access_jobs.wait()
        with Session(app.extensions["portal.engine"]) as db:
            user = accounts.find(db, "oldmod")
            assert user.org_key_sealed is None and user.case_access
            report = db.scalars(sa.select(Report)).one()
            sealed = db.scalars(sa.select(CaseKey.sealed).where(CaseKey.user_id == user.id)).one()
            private = user_keys.open_private_key(user, PASSWORD, installation.kdf_cost(app.config["PORTAL"]))
            assert (
                vault.decrypt(vault.key_from_case_key(sealed, private), report.description)
                == DESCRIPTION_0002
            )
