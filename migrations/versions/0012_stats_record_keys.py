"""stats: a random record key per report, for the cell-key method of exported statistics

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 11:00:00
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# portal/record_key.py's N, written out: a migration keeps meaning what it meant when it was written.
N = 2**16


def upgrade() -> None:
    op.add_column("reports", sa.Column("record_key", sa.Integer(), nullable=True))
    bind = op.get_bind()
    reports = sa.table("reports", sa.column("id", sa.Integer), sa.column("record_key", sa.Integer))
    ids = bind.execute(sa.select(reports.c.id)).scalars().all()
    if ids:
        bind.execute(
            reports.update().where(reports.c.id == sa.bindparam("row_id")),
            [{"row_id": row_id, "record_key": secrets.randbelow(N)} for row_id in ids],
        )
    with op.batch_alter_table("reports") as batch:
        batch.alter_column("record_key", existing_type=sa.Integer(), nullable=False)
    op.drop_index("ix_reports_org_created_on_stats", table_name="reports")
    op.create_index(
        "ix_reports_org_created_on_stats",
        "reports",
        ["organisation_id", "created_on", "kind", "category", "area", "record_key"],
    )


def downgrade() -> None:
    op.drop_index("ix_reports_org_created_on_stats", table_name="reports")
    op.create_index(
        "ix_reports_org_created_on_stats", "reports", ["organisation_id", "created_on", "kind", "category", "area"]
    )
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("record_key")
