"""case_masks; organisation_texts.secrecy_marking: exports with redaction (issue 15, part 3)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 01:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "organisation_texts",
        sa.Column("secrecy_marking", sa.String(length=300), nullable=False, server_default=""),
    )
    op.create_table(
        "case_masks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], ondelete="CASCADE", name=op.f("fk_case_masks_report_id_reports")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], ondelete="SET NULL", name=op.f("fk_case_masks_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_masks")),
    )
    op.create_index(op.f("ix_case_masks_report_id"), "case_masks", ["report_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_case_masks_report_id"), table_name="case_masks")
    op.drop_table("case_masks")
    with op.batch_alter_table("organisation_texts") as batch:
        batch.drop_column("secrecy_marking")
