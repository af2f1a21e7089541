"""notices and retention per organisation (issue 14)

``notify_state`` had one row of installation-wide high-water marks, so that every organisation's
moderators were told of any organisation's report. It gets one row per organisation
(``organisation_id``, unique): the existing row becomes the lowest organisation's (its marks are
at least as high as that organisation's own, so nothing is announced twice; the first run finds
them above its own marks and lowers them); without an organisation it is deleted. Any other
organisation starts with no row, and its first run announces what it has once.

``organisations.retention_days``: an organisation's own retention period, NULL for the
installation's PORTAL_RETENTION_DAYS.

Downgrade keeps the lowest organisation's row as the one row (id 1) and drops the others.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.add_column(sa.Column("retention_days", sa.Integer(), nullable=True))
    with op.batch_alter_table("notify_state") as batch:
        batch.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
    bind = op.get_bind()
    first = bind.execute(sa.text("SELECT min(id) FROM organisations")).scalar()
    if first is not None:
        bind.execute(
            sa.text("UPDATE notify_state SET organisation_id = :org WHERE id = 1").bindparams(org=first)
        )
    bind.execute(sa.text("DELETE FROM notify_state WHERE organisation_id IS NULL"))
    if bind.dialect.name == "postgresql":
        # The one row was written with id 1 by hand, so the sequence never moved: the next
        # organisation's row would be given id 1 again.
        bind.execute(
            sa.text("SELECT setval(pg_get_serial_sequence('notify_state', 'id'), coalesce(max(id), 1)) FROM notify_state")
        )
    with op.batch_alter_table("notify_state") as batch:
        batch.alter_column("organisation_id", existing_type=sa.Integer(), nullable=False)
        batch.create_unique_constraint("uq_notify_state_organisation_id", ["organisation_id"])
        batch.create_foreign_key(
            "fk_notify_state_organisation_id_organisations",
            "organisations",
            ["organisation_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    bind = op.get_bind()
    bind.execute(
        sa.text(
            "DELETE FROM notify_state WHERE organisation_id <> (SELECT min(organisation_id) FROM notify_state)"
        )
    )
    bind.execute(sa.text("UPDATE notify_state SET id = 1"))
    with op.batch_alter_table("notify_state") as batch:
        batch.drop_constraint("fk_notify_state_organisation_id_organisations", type_="foreignkey")
        batch.drop_constraint("uq_notify_state_organisation_id", type_="unique")
        batch.drop_column("organisation_id")
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("retention_days")
