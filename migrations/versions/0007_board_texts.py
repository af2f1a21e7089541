"""forum: board names and descriptions as one row per language (forum_board_texts)

The columns name_sv, name_en, description_sv and description_en become rows, so that a language
added to portal/i18n.py needs no migration. Downgrade writes the Swedish and English rows back
into the columns (a board without one gets the Swedish text, then any, as the portal shows it);
texts in any other language are lost, since 0006 has no place for them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 23:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# The languages the old columns were named after, and their lengths (as 0004 made them).
OLD_LANGUAGES = ("sv", "en")
LENGTHS = {"name": 80, "description": 300}

_boards = sa.table(
    "forum_boards",
    sa.column("id", sa.Integer),
    sa.column("slug", sa.String),
    *(sa.column(f"{field}_{code}", sa.String) for field in LENGTHS for code in OLD_LANGUAGES),
)
_texts = sa.table(
    "forum_board_texts",
    sa.column("board_id", sa.Integer),
    sa.column("language", sa.String),
    sa.column("name", sa.String),
    sa.column("description", sa.String),
)


def upgrade() -> None:
    op.create_table(
        "forum_board_texts",
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["board_id"],
            ["forum_boards.id"],
            name=op.f("fk_forum_board_texts_board_id_forum_boards"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("board_id", "language", name=op.f("pk_forum_board_texts")),
    )
    for code in OLD_LANGUAGES:
        op.execute(
            _texts.insert().from_select(
                ["board_id", "language", "name", "description"],
                sa.select(
                    _boards.c.id,
                    sa.literal(code, sa.String),
                    _boards.c[f"name_{code}"],
                    _boards.c[f"description_{code}"],
                ),
            )
        )
    with op.batch_alter_table("forum_boards", schema=None) as batch_op:
        for field in LENGTHS:
            for code in OLD_LANGUAGES:
                batch_op.drop_column(f"{field}_{code}")


def _text(field: str, code: str | None) -> sa.ScalarSelect[str]:
    """The board's text in ``code``; with None, the one in the first language it has."""
    column = _texts.c[field]
    query = sa.select(column).where(_texts.c.board_id == _boards.c.id)
    if code is None:
        return query.order_by(_texts.c.language).limit(1).scalar_subquery()
    return query.where(_texts.c.language == code).scalar_subquery()


def downgrade() -> None:
    # Nullable until filled: SQLite cannot add a NOT NULL column without a default.
    with op.batch_alter_table("forum_boards", schema=None) as batch_op:
        for field, length in LENGTHS.items():
            for code in OLD_LANGUAGES:
                batch_op.add_column(sa.Column(f"{field}_{code}", sa.String(length=length), nullable=True))
    for code in OLD_LANGUAGES:
        op.execute(
            _boards.update().values(
                {
                    f"name_{code}": sa.func.coalesce(
                        _text("name", code), _text("name", "sv"), _text("name", None), _boards.c.slug
                    ),
                    f"description_{code}": sa.func.coalesce(
                        _text("description", code),
                        _text("description", "sv"),
                        _text("description", None),
                        "",
                    ),
                }
            )
        )
    with op.batch_alter_table("forum_boards", schema=None) as batch_op:
        for field, length in LENGTHS.items():
            for code in OLD_LANGUAGES:
                batch_op.alter_column(
                    f"{field}_{code}", existing_type=sa.String(length=length), nullable=False
                )
    op.drop_table("forum_board_texts")
