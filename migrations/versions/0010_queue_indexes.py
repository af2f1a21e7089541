"""queue: indexes that read a category's or a moderator's cases in page order

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 21:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_reports_category_created_on_id", "reports", ["category", "created_on", "id"])
    op.create_index("ix_reports_assignee_due_on_id", "reports", ["assignee_id", "due_on", "id"])


def downgrade() -> None:
    op.drop_index("ix_reports_assignee_due_on_id", table_name="reports")
    op.drop_index("ix_reports_category_created_on_id", table_name="reports")
