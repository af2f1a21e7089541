"""Which boards a moderator may moderate: the one answer every forum moderation query asks.

A board belongs to the organisations in ``forum_board_organisations``: one row, that
organisation's own board; several, a board they share (issue 14 item 4). Every moderator and
admin of an organisation moderates its own boards; a shared board only those its participating
organisations appointed (``User.moderates_shared_boards``). The forum tables are not in
``portal.scoping.SCOPED`` (a post has no organisation to scope on), so the moderation queries
filter on :func:`board_ids` themselves, and each action asks :func:`may_moderate` first.

``actor`` None is the installation itself (a command, a test), which reaches every board.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, func, select, true
from sqlalchemy.orm import Session

from ..models import User
from .models import BoardOrganisation


def shared_board_ids() -> Select[int]:
    """The boards more than one organisation takes part in."""
    return (
        select(BoardOrganisation.board_id)
        .group_by(BoardOrganisation.board_id)
        .having(func.count(BoardOrganisation.organisation_id) > 1)
    )


def board_ids(actor: User) -> Select[int]:
    """The ids of the boards ``actor`` moderates (nothing for a user of no organisation)."""
    own = select(BoardOrganisation.board_id).where(BoardOrganisation.organisation_id == actor.organisation_id)
    if actor.organisation_id is None or actor.moderates_shared_boards:
        return own
    return own.where(BoardOrganisation.board_id.not_in(shared_board_ids()))


def reaches(actor: User | None, board_id: object) -> ColumnElement[bool]:
    """A WHERE clause: ``board_id`` (a column) is a board ``actor`` moderates."""
    if actor is None:
        return true()
    return board_id.in_(board_ids(actor))  # type: ignore[attr-defined,no-any-return]


def may_moderate(db: Session, actor: User | None, board_id: int) -> bool:
    if actor is None:
        return True
    query = board_ids(actor).where(BoardOrganisation.board_id == board_id)
    return db.scalar(query) is not None


def organisation_ids(db: Session, board_id: int) -> list[int]:
    """The organisations taking part in a board, by id."""
    query = select(BoardOrganisation.organisation_id).where(BoardOrganisation.board_id == board_id)
    return list(db.scalars(query.order_by(BoardOrganisation.organisation_id)))


def shares_boards(db: Session, organisation_id: int | None) -> bool:
    """Does the organisation take part in a shared board (so that appointing means something)?"""
    query = select(BoardOrganisation.board_id).where(
        BoardOrganisation.organisation_id == organisation_id,
        BoardOrganisation.board_id.in_(shared_board_ids()),
    )
    return db.scalar(query.limit(1)) is not None
