"""Migration 0008 (session owners, removable key pairs) with rows in place, up and down.

On SQLite it rebuilds ``users``, which ``audit_events``, ``reports`` and ``server_sessions`` point
at: the rows, the references to them and the key material must all come through."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from portal.accounts import service as accounts
from portal.config import Config
from portal.models import AuditEvent, ServerSession, User
from tests.accounts import AuthActions
from tests.migration_helpers import CREATED_AT, migrate, unmigrate, unmigrated_app, write_0001

SESSION_ID = "a" * 64
SESSION_BLOB = b"ciphertext of a session written under 0007"


def _write_session_0007(app: Flask) -> None:
    sessions = sa.table(
        "server_sessions",
        sa.column("id", sa.String),
        sa.column("data", sa.LargeBinary),
        sa.column("expires_at"),
    )
    with app.extensions["portal.engine"].begin() as conn:
        conn.execute(sa.insert(sessions).values(id=SESSION_ID, data=SESSION_BLOB, expires_at=CREATED_AT))


def _columns(app: Flask, table: str) -> dict[str, bool]:
    inspector = sa.inspect(app.extensions["portal.engine"])
    return {column["name"]: column["nullable"] for column in inspector.get_columns(table)}


def test_0008_keeps_users_keys_references_and_sessions_and_goes_back(config: Config) -> None:
    with unmigrated_app(config) as app:
        migrate(app, "0007")
        old = write_0001(app)
        _write_session_0007(app)
        migrate(app, "0008")

        assert _columns(app, "server_sessions")["user_id"] is True
        assert [
            _columns(app, "users")[name] for name in ("public_key", "private_key_wrapped", "kdf_salt")
        ] == [
            True,
            True,
            True,
        ]
        # Today's models need today's schema: what 0008 kept is read through the later upgrades.
        migrate(app, "head")
        with Session(app.extensions["portal.engine"]) as db:
            user = accounts.find(db, old.account.username)
            assert (
                accounts.open_org_key(user, old.account.password, app.config["PORTAL"]) == old.org_private_key
            )
            event = db.scalars(sa.select(AuditEvent)).one()
            assert (event.actor_id, event.at) == (user.id, CREATED_AT.replace(tzinfo=dt.UTC))
            stored = db.get(ServerSession, SESSION_ID)
            assert stored is not None and (stored.data, stored.user_id) == (SESSION_BLOB, None)
        assert AuthActions(app.test_client()).login(old.account).status_code == 302

        # A disabled user has no key pair; 0007 cannot say "none", so it gets empty values.
        with app.app_context(), Session(app.extensions["portal.engine"]) as db:
            accounts.disable(db, accounts.find(db, old.account.username))
            db.commit()
        unmigrate(app, "0007")
        assert "user_id" not in _columns(app, "server_sessions")
        with app.extensions["portal.engine"].connect() as conn:
            keys = conn.execute(sa.text("SELECT public_key, private_key_wrapped, kdf_salt FROM users")).one()
            assert tuple(bytes(value) for value in keys) == (b"", b"", b"")
            assert conn.scalar(sa.text("SELECT actor_id FROM audit_events ORDER BY id LIMIT 1")) is not None
        migrate(app)
        with Session(app.extensions["portal.engine"]) as db:
            assert db.scalars(sa.select(User)).one().active is False
