"""erased_cases.reported_to_incident_system, reported_to_police: the handling statistics count
what an erased case was also reported to; reports.days_to_acknowledgement, days_to_feedback,
feedback_in_time, worked out here for the reports there are; ix_reports_org_created_on_handling,
the covering index they count from (issue 15, part 5)

Rows left before this migration say nothing about it: NULL, shown as "not known".

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 01:00:00
"""

from __future__ import annotations

import calendar
import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


BATCH = 1_000


def _three_months_later(day: dt.date) -> dt.date:
    """The feedback clock of this revision (portal/cases/clocks.py): the same day three months
    later, or that month's last day."""
    index = day.month - 1 + 3
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _as_date(value: dt.date | str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _backfill() -> None:
    conn = op.get_bind()
    reports = sa.table(
        "reports",
        sa.column("id", sa.Integer()),
        sa.column("created_on", sa.Date()),
        sa.column("acknowledged_on", sa.Date()),
        sa.column("feedback_on", sa.Date()),
        sa.column("days_to_acknowledgement", sa.Integer()),
        sa.column("days_to_feedback", sa.Integer()),
        sa.column("feedback_in_time", sa.Boolean()),
    )
    last = 0
    while True:
        rows = conn.execute(
            sa.select(reports.c.id, reports.c.created_on, reports.c.acknowledged_on, reports.c.feedback_on)
            .where(
                reports.c.id > last,
                reports.c.acknowledged_on.is_not(None) | reports.c.feedback_on.is_not(None),
            )
            .order_by(reports.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        for report_id, created, acknowledged, answered in rows:
            created, acknowledged, answered = _as_date(created), _as_date(acknowledged), _as_date(answered)
            assert created is not None
            start = acknowledged or created + dt.timedelta(days=7)
            conn.execute(
                reports.update()
                .where(reports.c.id == report_id)
                .values(
                    days_to_acknowledgement=None if acknowledged is None else (acknowledged - created).days,
                    days_to_feedback=None if answered is None else (answered - created).days,
                    feedback_in_time=None if answered is None else answered <= _three_months_later(start),
                )
            )
        last = rows[-1][0]


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("days_to_acknowledgement", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("days_to_feedback", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("feedback_in_time", sa.Boolean(), nullable=True))
    _backfill()
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
            "days_to_acknowledgement",
            "days_to_feedback",
            "feedback_in_time",
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
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("feedback_in_time")
        batch.drop_column("days_to_feedback")
        batch.drop_column("days_to_acknowledgement")
