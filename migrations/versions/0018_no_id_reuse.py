"""users, reports, messages, attachments, notes, labels, reply_templates: ids never reused on
SQLite (AUTOINCREMENT), so that an erased row's id, named in the audit log, never names a new one

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 14:30:00

PostgreSQL's sequences never give an id twice: nothing to do there. On SQLite each table is
copied into one declared AUTOINCREMENT (Alembic's batch mode, with its indexes and constraints;
foreign keys are off while migrations run, migrations/env.py).
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

TABLES = ("users", "reports", "messages", "attachments", "notes", "labels", "reply_templates")


def _recreate(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in TABLES:
        with op.batch_alter_table(
            name, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass


def upgrade() -> None:
    _recreate(True)


def downgrade() -> None:
    _recreate(False)
