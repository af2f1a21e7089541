"""retention_postponements, erased_cases; reports.retention_extra_days: retention that warns, and
figures that outlive erasure (issue 15, part 4)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 19:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=32)


def upgrade() -> None:
    op.add_column(
        "reports", sa.Column("retention_extra_days", sa.Integer(), nullable=False, server_default="0")
    )
    op.create_table(
        "retention_postponements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("reason", sa.LargeBinary(), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            ondelete="CASCADE",
            name=op.f("fk_retention_postponements_report_id_reports"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], ondelete="SET NULL", name=op.f("fk_retention_postponements_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_postponements")),
    )
    op.create_index(
        op.f("ix_retention_postponements_report_id"), "retention_postponements", ["report_id"], unique=False
    )
    op.create_table(
        "erased_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("kind", _enum("kind", "influence", "whistleblowing"), nullable=False),
        sa.Column(
            "category",
            _enum(
                "category",
                "harassment",
                "threats",
                "violence",
                "property_damage",
                "bribery",
                "infiltration",
                "social_pressure",
                "self_censorship",
                "social_media",
                "silence_culture",
                "welfare_crime",
                "other",
            ),
            nullable=True,
        ),
        sa.Column(
            "area",
            _enum(
                "area",
                "income_support",
                "children_families",
                "alcohol_licensing",
                "housing",
                "association_grants",
                "schools",
                "elderly_disability",
                "other",
            ),
            nullable=True,
        ),
        sa.Column(
            "exerted_by", _enum("exertedby", "client", "relative", "group", "colleague", "other"), nullable=True
        ),
        sa.Column(
            "outcome",
            _enum(
                "outcome",
                "measures_taken",
                "referred",
                "support_given",
                "no_action",
                "not_investigable",
                "counted_only",
            ),
            nullable=True,
        ),
        sa.Column("weeks_to_acknowledgement", sa.Integer(), nullable=True),
        sa.Column("weeks_to_feedback", sa.Integer(), nullable=True),
        sa.Column("record_key", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            ondelete="CASCADE",
            name=op.f("fk_erased_cases_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erased_cases")),
    )
    op.create_index(
        "ix_erased_cases_org_month_stats",
        "erased_cases",
        ["organisation_id", "month", "kind", "category", "area", "record_key"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_erased_cases_org_month_stats", table_name="erased_cases")
    op.drop_table("erased_cases")
    op.drop_index(op.f("ix_retention_postponements_report_id"), table_name="retention_postponements")
    op.drop_table("retention_postponements")
    with op.batch_alter_table("reports", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_column("retention_extra_days")
