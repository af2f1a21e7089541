"""case_keys, case_exclusions, access_jobs; users.case_access, reports.only_assigned: access per
case (issue 15, part 2)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 19:00:00

A migration cannot seal case keys: that needs the organisation's private key, which no file
holds. Plain moderators who held the organisation key keep it (and ``case_access``) until the
first log-in of an admin, or of themselves, starts their conversion job; ``keys rotate`` converts
them all. Until then they see only the cases they hold a case key for (new reports get one at
submission).

Going back down to 0018 after a moderator was converted leaves them without access under the
old version (their copy of the organisation key is gone): an admin grants it again there.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from portal.db import UTCDateTime

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], ondelete="CASCADE", name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "case_keys",
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(length=128), nullable=False),
        _fk("case_keys", "report_id", "reports"),
        _fk("case_keys", "user_id", "users"),
        sa.PrimaryKeyConstraint("report_id", "user_id", name=op.f("pk_case_keys")),
    )
    op.create_index("ix_case_keys_user_report", "case_keys", ["user_id", "report_id"], unique=False)
    op.create_table(
        "case_exclusions",
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        _fk("case_exclusions", "report_id", "reports"),
        _fk("case_exclusions", "user_id", "users"),
        sa.PrimaryKeyConstraint("report_id", "user_id", name=op.f("pk_case_exclusions")),
    )
    op.create_index(op.f("ix_case_exclusions_user_id"), "case_exclusions", ["user_id"], unique=False)
    op.create_table(
        "access_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("last_report_id", sa.Integer(), nullable=False),
        sa.Column("heartbeat_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        _fk("access_jobs", "organisation_id", "organisations"),
        _fk("access_jobs", "user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_jobs")),
    )
    op.create_index(op.f("ix_access_jobs_organisation_id"), "access_jobs", ["organisation_id"], unique=False)
    op.create_index(op.f("ix_access_jobs_user_id"), "access_jobs", ["user_id"], unique=False)
    # ALTER TABLE … ADD COLUMN on both databases: SQLite keeps the tables AUTOINCREMENT (0018).
    op.add_column("users", sa.Column("case_access", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("reports", sa.Column("only_assigned", sa.Boolean(), nullable=False, server_default=sa.false()))
    # A plain moderator who held the organisation key could read cases: they keep that access,
    # through case keys once converted.
    users = sa.table(
        "users", sa.column("role", sa.String), sa.column("org_key_sealed"), sa.column("case_access", sa.Boolean)
    )
    op.execute(
        users.update()
        .where(users.c.role == "moderator", users.c.org_key_sealed.is_not(None))
        .values(case_access=True)
    )


def downgrade() -> None:
    # On SQLite dropping a column copies the table: it stays AUTOINCREMENT (migration 0018).
    for table, column in (("reports", "only_assigned"), ("users", "case_access")):
        with op.batch_alter_table(table, table_kwargs={"sqlite_autoincrement": True}) as batch:
            batch.drop_column(column)
    op.drop_index(op.f("ix_access_jobs_user_id"), table_name="access_jobs")
    op.drop_index(op.f("ix_access_jobs_organisation_id"), table_name="access_jobs")
    op.drop_table("access_jobs")
    op.drop_index(op.f("ix_case_exclusions_user_id"), table_name="case_exclusions")
    op.drop_table("case_exclusions")
    op.drop_index("ix_case_keys_user_report", table_name="case_keys")
    op.drop_table("case_keys")
