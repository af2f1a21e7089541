"""organisation_texts: each organisation's own words on the reporter's pages (issue 14, item 3)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organisation_texts",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("intro", sa.String(length=600), nullable=False),
        sa.Column("contacts", sa.String(length=1000), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            ondelete="CASCADE",
            name=op.f("fk_organisation_texts_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("organisation_id", "language", name=op.f("pk_organisation_texts")),
    )


def downgrade() -> None:
    op.drop_table("organisation_texts")
