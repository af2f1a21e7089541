"""organisations: one installation serves several, each with its own key (issue 14)

An existing installation becomes organisation #1 (``org1``, "Organisation 1"; the operator renames
it with ``organisations rename``): the organisation key moves from ``installation`` to its row, and
every user, report, label, quick reply and audit event is given to it. The queue's and the
statistics' indexes lead with the organisation from now on. Labels are unique per organisation.

Downgrade is possible only while there is one organisation: it puts that organisation's key back
on the installation row and drops the rest.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

OWNED = ("users", "audit_events", "reports", "labels", "reply_templates")
REQUIRED = ("reports", "labels", "reply_templates")  # the others keep NULL for the installation's own
INDEXED = ("users", "labels", "reply_templates")  # reports and audit_events: composite indexes below

OLD_REPORT_INDEXES = {
    "ix_reports_due_on_id": ["due_on", "id"],
    "ix_reports_created_on_id": ["created_on", "id"],
    "ix_reports_category_created_on_id": ["category", "created_on", "id"],
    "ix_reports_assignee_due_on_id": ["assignee_id", "due_on", "id"],
    "ix_reports_created_on_stats": ["created_on", "kind", "category", "area"],
}
NEW_REPORT_INDEXES = {
    "ix_reports_org_due_on_id": ["organisation_id", "due_on", "id"],
    "ix_reports_org_created_on_id": ["organisation_id", "created_on", "id"],
    "ix_reports_org_category_created_on_id": ["organisation_id", "category", "created_on", "id"],
    "ix_reports_org_assignee_due_on_id": ["organisation_id", "assignee_id", "due_on", "id"],
    "ix_reports_org_status": ["organisation_id", "status"],
    "ix_reports_org_created_on_stats": ["organisation_id", "created_on", "kind", "category", "area"],
}

installation = sa.table(
    "installation",
    sa.column("id", sa.Integer),
    sa.column("org_public_key", sa.LargeBinary),
    sa.column("org_private_key_recovery", sa.LargeBinary),
    sa.column("created_at", sa.DateTime),
)
organisations = sa.table(
    "organisations",
    sa.column("id", sa.Integer),
    sa.column("slug", sa.String),
    sa.column("name", sa.String),
    sa.column("public_key", sa.LargeBinary),
    sa.column("private_key_recovery", sa.LargeBinary),
    sa.column("pooled", sa.Boolean),
    sa.column("created_at", sa.DateTime),
)


def _has_rows(table: str) -> bool:
    return op.get_bind().execute(sa.text(f"SELECT 1 FROM {table} LIMIT 1")).first() is not None  # noqa: S608


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("host", sa.String(length=253), nullable=True),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=True),
        sa.Column("private_key_recovery", sa.LargeBinary(length=128), nullable=True),
        sa.Column("pooled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_organisations"),
        sa.UniqueConstraint("slug", name="uq_organisations_slug"),
        sa.UniqueConstraint("host", name="uq_organisations_host"),
        sqlite_autoincrement=True,
    )
    bind = op.get_bind()
    row = bind.execute(sa.select(installation)).first()
    if row is not None or any(_has_rows(table) for table in OWNED):
        bind.execute(
            organisations.insert().values(
                id=1,
                slug="org1",
                name="Organisation 1",
                public_key=row.org_public_key if row else None,
                private_key_recovery=row.org_private_key_recovery if row else None,
                pooled=False,
                created_at=row.created_at if row else sa.func.current_timestamp(),
            )
        )
        if bind.dialect.name == "postgresql":
            bind.execute(sa.text("SELECT setval(pg_get_serial_sequence('organisations', 'id'), 1)"))
    for table in OWNED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
        op.execute(sa.text(f"UPDATE {table} SET organisation_id = 1"))  # noqa: S608
        with op.batch_alter_table(table) as batch:
            if table in REQUIRED:
                batch.alter_column("organisation_id", existing_type=sa.Integer(), nullable=False)
            batch.create_foreign_key(
                f"fk_{table}_organisation_id_organisations",
                "organisations",
                ["organisation_id"],
                ["id"],
                ondelete="CASCADE",
            )
            if table in INDEXED:
                batch.create_index(f"ix_{table}_organisation_id", ["organisation_id"])
            if table == "labels":
                batch.drop_constraint("uq_labels_name", type_="unique")
                batch.create_unique_constraint("uq_labels_organisation_id", ["organisation_id", "name"])
            if table == "audit_events":
                batch.create_index("ix_audit_events_org_at", ["organisation_id", "at"])
    for name in OLD_REPORT_INDEXES:
        op.drop_index(name, table_name="reports")
    for name, columns in NEW_REPORT_INDEXES.items():
        op.create_index(name, "reports", columns)
    with op.batch_alter_table("installation") as batch:
        batch.drop_column("org_private_key_recovery")
        batch.drop_column("org_public_key")


def downgrade() -> None:
    bind = op.get_bind()
    count = bind.execute(sa.text("SELECT count(*) FROM organisations")).scalar_one()
    if count > 1:
        raise RuntimeError("this installation has several organisations: 0010 knows only one")
    with op.batch_alter_table("installation") as batch:
        batch.add_column(sa.Column("org_public_key", sa.LargeBinary(length=32), nullable=True))
        batch.add_column(sa.Column("org_private_key_recovery", sa.LargeBinary(length=128), nullable=True))
    org = bind.execute(sa.select(organisations)).first()
    if org is not None:
        bind.execute(
            installation.update().values(
                org_public_key=org.public_key, org_private_key_recovery=org.private_key_recovery
            )
        )
    op.execute(sa.text("DELETE FROM users WHERE role = 'operator'"))
    for name in NEW_REPORT_INDEXES:
        op.drop_index(name, table_name="reports")
    for name, columns in OLD_REPORT_INDEXES.items():
        op.create_index(name, "reports", columns)
    for table in reversed(OWNED):
        with op.batch_alter_table(table) as batch:
            if table == "audit_events":
                batch.drop_index("ix_audit_events_org_at")
            if table == "labels":
                batch.drop_constraint("uq_labels_organisation_id", type_="unique")
                batch.create_unique_constraint("uq_labels_name", ["name"])
            if table in INDEXED:
                batch.drop_index(f"ix_{table}_organisation_id")
            batch.drop_constraint(f"fk_{table}_organisation_id_organisations", type_="foreignkey")
            batch.drop_column("organisation_id")
    op.drop_table("organisations")
