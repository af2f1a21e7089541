"""enrolment_links.username, role, notify_email, user_id: admins invite new moderators, and reset
accounts, by a one-time link instead of choosing the colleague's passphrase (issue 17, item 14)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 01:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("enrolment_links") as batch:
        batch.add_column(sa.Column("username", sa.String(length=64), nullable=True))
        batch.add_column(
            sa.Column(
                "role",
                sa.Enum("moderator", "admin", "operator", name="role", native_enum=False, length=32),
                nullable=True,
            )
        )
        batch.add_column(sa.Column("notify_email", sa.String(length=254), nullable=True))
        batch.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_enrolment_links_user_id_users"), "users", ["user_id"], ["id"], ondelete="CASCADE"
        )


def downgrade() -> None:
    with op.batch_alter_table("enrolment_links") as batch:
        batch.drop_constraint(op.f("fk_enrolment_links_user_id_users"), type_="foreignkey")
        batch.drop_column("user_id")
        batch.drop_column("notify_email")
        batch.drop_column("role")
        batch.drop_column("username")
