"""reports.channel; messages.kind, refers_to_seq, meeting_at, response, responded_on: oral reports,
minutes and meeting offers (issue 15, part 1)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 01:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=32)


def upgrade() -> None:
    # Every report so far came in online, and every message so far is a plain message.
    op.add_column(
        "reports",
        sa.Column("channel", _enum("channel", "online", "oral"), nullable=False, server_default="online"),
    )
    op.add_column(
        "messages",
        sa.Column(
            "kind",
            _enum("messagekind", "message", "minutes", "correction", "meeting_offer"),
            nullable=False,
            server_default="message",
        ),
    )
    op.add_column("messages", sa.Column("refers_to_seq", sa.Integer(), nullable=True))
    op.add_column("messages", sa.Column("meeting_at", sa.LargeBinary(), nullable=True))
    op.add_column(
        "messages",
        sa.Column("response", _enum("response", "approved", "accepted", "declined"), nullable=True),
    )
    op.add_column("messages", sa.Column("responded_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages", table_kwargs={"sqlite_autoincrement": True}) as batch:
        for column in ("responded_on", "response", "meeting_at", "refers_to_seq", "kind"):
            batch.drop_column(column)
    with op.batch_alter_table("reports", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_column("channel")
