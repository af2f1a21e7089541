"""enrolment_links: the installation operator's one-time links for an organisation's first admin
(issue 14, item 2)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 14:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from portal.db import UTCDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "enrolment_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            ondelete="CASCADE",
            name=op.f("fk_enrolment_links_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolment_links")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_enrolment_links_token_sha256")),
    )
    op.create_index(
        op.f("ix_enrolment_links_organisation_id"), "enrolment_links", ["organisation_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_enrolment_links_organisation_id"), table_name="enrolment_links")
    op.drop_table("enrolment_links")
