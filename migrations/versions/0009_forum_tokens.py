"""forum: thread tokens, one flag per flagger, refused posts blanked (issue 13 items 3, 7, 8)

- ``forum_threads.token``: the opaque name of a thread in public URLs, random for every existing
  thread (its id, global and sequential, ordered writing across threads). Posts already carry
  their number in the thread (``forum_posts.seq``, unique per thread since 0004): public pages
  use it instead of the post's id, so no column is needed for it.
- ``forum_flags.flagger``: HMAC(secret, post ‖ flagger), unique per post, so that one flagger
  counts once. A flag written before this revision has no flagger that could be worked out
  again: each gets a random value of its own, i.e. counts as a distinct flagger, exactly as it
  was counted when it was made (``forum_posts.flags`` is unchanged).
- The text of every refused post is blanked, and the title of every thread whose first post was
  refused; the moderator's reason stays. Downgrade cannot bring the text back: it is gone.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 19:00:00
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TOKEN_BYTES = 12  # 16 URL-safe characters, as portal.forum.models.TOKEN_BYTES
TOKEN_LENGTH = 16
FLAGGER_BYTES = 32  # an HMAC-SHA256

_threads = sa.table("forum_threads", sa.column("id", sa.Integer), sa.column("token", sa.String))
_posts = sa.table(
    "forum_posts",
    sa.column("thread_id", sa.Integer),
    sa.column("seq", sa.Integer),
    sa.column("body", sa.Text),
    sa.column("status", sa.String),
)
_thread_titles = sa.table("forum_threads", sa.column("id", sa.Integer), sa.column("title", sa.String))
_flags = sa.table("forum_flags", sa.column("id", sa.Integer), sa.column("flagger", sa.LargeBinary))


def _fill(table: sa.TableClause, column: str, value: object) -> None:
    """Give every row its own ``value()`` (nullable until filled: SQLite adds no NOT NULL column)."""
    conn = op.get_bind()
    for (row_id,) in conn.execute(sa.select(table.c.id)).all():
        conn.execute(table.update().where(table.c.id == row_id).values({column: value()}))  # type: ignore[operator]


def upgrade() -> None:
    with op.batch_alter_table("forum_threads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("token", sa.String(length=TOKEN_LENGTH), nullable=True))
    _fill(_threads, "token", lambda: secrets.token_urlsafe(TOKEN_BYTES))
    with op.batch_alter_table("forum_threads", schema=None) as batch_op:
        batch_op.alter_column("token", existing_type=sa.String(length=TOKEN_LENGTH), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_forum_threads_token"), ["token"])

    with op.batch_alter_table("forum_flags", schema=None) as batch_op:
        batch_op.add_column(sa.Column("flagger", sa.LargeBinary(length=FLAGGER_BYTES), nullable=True))
    _fill(_flags, "flagger", lambda: secrets.token_bytes(FLAGGER_BYTES))
    with op.batch_alter_table("forum_flags", schema=None) as batch_op:
        batch_op.alter_column("flagger", existing_type=sa.LargeBinary(length=FLAGGER_BYTES), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_forum_flags_post_id"), ["post_id", "flagger"])

    refused = _posts.c.status == "rejected"
    first_refused = sa.select(_posts.c.thread_id).where(refused, _posts.c.seq == 1)
    op.execute(_thread_titles.update().where(_thread_titles.c.id.in_(first_refused)).values(title=""))
    op.execute(_posts.update().where(refused).values(body=""))


def downgrade() -> None:
    with op.batch_alter_table("forum_flags", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_forum_flags_post_id"), type_="unique")
        batch_op.drop_column("flagger")
    with op.batch_alter_table("forum_threads", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_forum_threads_token"), type_="unique")
        batch_op.drop_column("token")
