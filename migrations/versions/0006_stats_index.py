"""statistics: a covering index for counts by date, kind, category and area

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 12:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_reports_created_on_stats", "reports", ["created_on", "kind", "category", "area"])


def downgrade() -> None:
    op.drop_index("ix_reports_created_on_stats", table_name="reports")
