"""forum across organisations: a board belongs to one organisation or is shared by several (issue 14)

``forum_board_organisations`` says which organisations take part in a board: one row, that
organisation's own board; several, a shared board. Every existing board becomes organisation #1's
own; an installation whose boards came with 0004 but that has no organisation yet leaves them
without an owner until its first organisation is made, which takes them. ``users.moderates_shared_boards`` marks
the moderators an organisation appoints for the boards it shares. Threads and posts get no
organisation: a post's organisation is never stored beyond the board it is in.

Gates become rows of their own (``forum_gates``), each over one board or a group
(``forum_boards.gate_id``), in place of ``forum_settings``' one passphrase: an existing passphrase
becomes gate 1 over every existing board, so that the forum asks for it exactly as before.
Watched words become organisation #1's (each organisation keeps its own list; a post on a shared
board is checked against every participant's).

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-03 10:45:00
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None

organisations = sa.table(
    "organisations",
    sa.column("id", sa.Integer),
    sa.column("slug", sa.String),
    sa.column("name", sa.String),
    sa.column("pooled", sa.Boolean),
    sa.column("created_at", sa.DateTime),
)


def upgrade() -> None:
    op.create_table(
        "forum_board_organisations",
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["board_id"],
            ["forum_boards.id"],
            name="fk_forum_board_organisations_board_id_forum_boards",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name="fk_forum_board_organisations_organisation_id_organisations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("board_id", "organisation_id", name="pk_forum_board_organisations"),
    )
    op.create_index(
        "ix_forum_board_organisations_organisation_id", "forum_board_organisations", ["organisation_id"]
    )
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("moderates_shared_boards", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("users") as batch:
        batch.alter_column("moderates_shared_boards", server_default=None)
    _gates_up()
    with op.batch_alter_table("forum_watched_words") as batch:
        batch.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
    bind = op.get_bind()
    has_rows = any(
        bind.execute(sa.text(f"SELECT 1 FROM {table} LIMIT 1")).first() is not None  # noqa: S608
        for table in ("forum_boards", "forum_watched_words")
    )
    if has_rows:
        _give_to_first(bind)
    with op.batch_alter_table("forum_watched_words") as batch:
        batch.alter_column("organisation_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_constraint("uq_forum_watched_words_word", type_="unique")
        batch.create_unique_constraint("uq_forum_watched_words_organisation_id", ["organisation_id", "word"])
        batch.create_foreign_key(
            "fk_forum_watched_words_organisation_id_organisations",
            "organisations",
            ["organisation_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_index("ix_forum_watched_words_organisation_id", ["organisation_id"])


def _give_to_first(bind: sa.Connection) -> None:
    """Existing boards and words become organisation #1's. An installation with no organisation
    yet (a fresh one, whose boards came with 0004) keeps its boards without an owner: its first
    organisation takes them when it is made (``portal.organisations.create``), so that a fresh
    installation has no organisation and no salt before its set-up, and a backup of an
    organisation can still be restored into it."""
    first = bind.execute(sa.text("SELECT min(id) FROM organisations")).scalar()
    if first is None:
        if bind.execute(sa.text("SELECT 1 FROM forum_watched_words")).first() is not None:
            raise RuntimeError("watched words without an organisation: set up the portal with 0011 first")
        return
    op.execute(sa.text("UPDATE forum_watched_words SET organisation_id = :org").bindparams(org=first))
    op.execute(
        sa.text(
            "INSERT INTO forum_board_organisations (board_id, organisation_id) SELECT id, :org FROM forum_boards"
        ).bindparams(org=first)
    )


def _gates_up() -> None:
    op.create_table(
        "forum_gates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("gate_hash", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_forum_gates"),
    )
    with op.batch_alter_table("forum_boards") as batch:
        batch.add_column(sa.Column("gate_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_forum_boards_gate_id_forum_gates", "forum_gates", ["gate_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_index("ix_forum_boards_gate_id", ["gate_id"])
    bind = op.get_bind()
    old = bind.execute(sa.text("SELECT gate_hash FROM forum_settings WHERE gate_hash IS NOT NULL")).first()
    if old is not None:
        bind.execute(sa.text("INSERT INTO forum_gates (id, gate_hash) VALUES (1, :hash)").bindparams(hash=old[0]))
        if bind.dialect.name == "postgresql":
            bind.execute(sa.text("SELECT setval(pg_get_serial_sequence('forum_gates', 'id'), 1)"))
        bind.execute(sa.text("UPDATE forum_boards SET gate_id = 1"))
    op.drop_table("forum_settings")


def _gates_down() -> None:
    op.create_table(
        "forum_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("gate_hash", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_forum_settings"),
    )
    bind = op.get_bind()
    gates = bind.execute(sa.text("SELECT DISTINCT gate_id FROM forum_boards")).all()
    if len(gates) == 1 and gates[0][0] is not None:  # one gate over every board: 0011's one passphrase
        bind.execute(
            sa.text(
                "INSERT INTO forum_settings (id, gate_hash) SELECT 1, gate_hash FROM forum_gates WHERE id = :id"
            ).bindparams(id=gates[0][0])
        )
    with op.batch_alter_table("forum_boards") as batch:
        batch.drop_index("ix_forum_boards_gate_id")
        batch.drop_constraint("fk_forum_boards_gate_id_forum_gates", type_="foreignkey")
        batch.drop_column("gate_id")
    op.drop_table("forum_gates")


def downgrade() -> None:
    shared = op.get_bind().execute(
        sa.text(
            "SELECT board_id FROM forum_board_organisations GROUP BY board_id HAVING count(*) > 1 LIMIT 1"
        )
    )
    if shared.first() is not None:
        raise RuntimeError("this installation has shared forum boards: 0011 knows none")
    _gates_down()
    with op.batch_alter_table("forum_watched_words") as batch:
        batch.drop_index("ix_forum_watched_words_organisation_id")
        batch.drop_constraint("fk_forum_watched_words_organisation_id_organisations", type_="foreignkey")
        batch.drop_constraint("uq_forum_watched_words_organisation_id", type_="unique")
        batch.drop_column("organisation_id")
        batch.create_unique_constraint("uq_forum_watched_words_word", ["word"])
    with op.batch_alter_table("users") as batch:
        batch.drop_column("moderates_shared_boards")
    op.drop_index("ix_forum_board_organisations_organisation_id", table_name="forum_board_organisations")
    op.drop_table("forum_board_organisations")
