"""erased_cases.reported_to_incident_system, reported_to_police: the handling statistics count
what an erased case was also reported to; ix_reports_org_created_on_handling, the covering index
they count from (issue 15, part 5)

Rows left before this migration say nothing about it: NULL, shown as "not known".

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 01:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("erased_cases") as batch:
        batch.add_column(sa.Column("reported_to_incident_system", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("reported_to_police", sa.Boolean(), nullable=True))
    op.create_index(
        "ix_reports_org_created_on_handling",
        "reports",
        [
            "organisation_id",
            "created_on",
            "kind",
            "status",
            "acknowledged_on",
            "feedback_on",
            "due_on",
            "outcome",
            "exerted_by",
            "reported_to_incident_system",
            "reported_to_police",
            "record_key",
        ],
    )


def downgrade() -> None:
    op.drop_index("ix_reports_org_created_on_handling", table_name="reports")
    with op.batch_alter_table("erased_cases") as batch:
        batch.drop_column("reported_to_police")
        batch.drop_column("reported_to_incident_system")
