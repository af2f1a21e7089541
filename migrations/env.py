"""Alembic environment: runs on the portal's own engine (SQLite or PostgreSQL)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from portal import models  # noqa: F401  (registers the tables)
from portal.db import Base
from portal.forum import models as forum_models  # noqa: F401  (the forum's tables live with the forum)
from portal.notify import models as notify_models  # noqa: F401  (what the last notices announced)

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine") or create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a table as copy, DROP, rename. With foreign keys on, dropping
            # `reports` would cascade-delete every message and attachment (and SET NULL every
            # reference to a rebuilt table). The pragma only takes effect outside a transaction.
            _sqlite_foreign_keys(connection, on=False)
        try:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=sqlite,  # SQLite cannot ALTER most things
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
                if sqlite and (broken := connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()):
                    raise RuntimeError(f"the migration left rows that break foreign keys: {broken[:10]}")
        finally:
            if sqlite:
                _sqlite_foreign_keys(connection, on=True)  # the connection goes back to the pool


def _sqlite_foreign_keys(connection: Connection, on: bool) -> None:
    if connection.in_transaction():
        connection.commit()
    connection.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    connection.commit()


run_migrations_online()
