"""sessions know their moderator; a disabled user's key pair can be removed

``server_sessions.user_id`` (indexed, NULL for reporters and visitors) lets disabling a user end
all their sessions at once. ``users.public_key``, ``private_key_wrapped`` and ``kdf_salt`` become
nullable: disabling removes the key pair, so that the database and the passphrase open nothing.
Existing rows keep their values; existing sessions get no owner (they are anonymous blobs) and
end by their time-outs as before. Downgrade gives the removed key pairs empty values (0007 has no
place for "none"; they open nothing either way).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

KEY_COLUMNS = {"public_key": 32, "private_key_wrapped": 128, "kdf_salt": 16}  # lengths as in 0001


def upgrade() -> None:
    with op.batch_alter_table("server_sessions") as batch:
        batch.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_server_sessions_user_id_users", "users", ["user_id"], ["id"], ondelete="CASCADE"
        )
        batch.create_index("ix_server_sessions_user_id", ["user_id"])
    with op.batch_alter_table("users") as batch:
        for name, length in KEY_COLUMNS.items():
            batch.alter_column(name, existing_type=sa.LargeBinary(length), nullable=True)


def downgrade() -> None:
    users = sa.table("users", *(sa.column(name, sa.LargeBinary) for name in KEY_COLUMNS))
    for name in KEY_COLUMNS:
        op.execute(users.update().where(users.c[name].is_(None)).values({name: b""}))
    with op.batch_alter_table("users") as batch:
        for name, length in KEY_COLUMNS.items():
            batch.alter_column(name, existing_type=sa.LargeBinary(length), nullable=False)
    with op.batch_alter_table("server_sessions") as batch:
        batch.drop_index("ix_server_sessions_user_id")
        batch.drop_constraint("fk_server_sessions_user_id_users", type_="foreignkey")
        batch.drop_column("user_id")
