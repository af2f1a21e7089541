"""Boards shared by several organisations (issue 14 item 4): made and changed by the installation
operator from the command line; each organisation appoints its own moderators for them.

A shared board shows no organisation, and its threads and posts store none: the pool of writers
is the union of the participating organisations' staff, which is the point (a larger anonymity
set than one small municipality's).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .. import audit, organisations
from ..audit import Event
from ..models import User
from . import gate, reach
from .models import Board, BoardOrganisation

# A board's slug has the shape of an organisation's (lower-case letters, digits, hyphens; 40).
SLUG_PATTERN = organisations.SLUG_PATTERN
NAME_MAX = 80


class SharingError(Exception):
    """Base of the named failures below."""


class InvalidSlug(SharingError):
    pass


class TooFewOrganisations(SharingError):
    """A shared board needs at least two organisations (one is an organisation's own board)."""


class NameNeeded(SharingError):
    """A new board needs a name in every language given and at least in Swedish."""


class NotShared(SharingError):
    """The board exists and is one organisation's own: its organisation's admin keeps it."""


def share_board(db: Session, slug: str, organisation_ids: Iterable[int], names: Mapping[str, str]) -> Board:
    """Make the shared board ``slug``, or give an existing shared board these participants and,
    where given, these names. Each organisation that joins or leaves finds it in its audit log."""
    if not re.fullmatch(SLUG_PATTERN, slug):
        raise InvalidSlug(slug)
    wanted = sorted(set(organisation_ids))
    if len(wanted) < 2:
        raise TooFewOrganisations
    board = db.scalar(select(Board).where(Board.slug == slug))
    before: list[int] = []
    if board is None:
        if not names.get("sv", "").strip():
            raise NameNeeded
        board = Board(slug=slug, position=_last_position(db) + 1)
        db.add(board)
        db.flush()
    else:
        before = reach.organisation_ids(db, board.id)
        if len(before) == 1:
            raise NotShared(slug)
    for language, name in names.items():
        if name.strip():
            board.set_text(language, name.strip()[:NAME_MAX])
    db.execute(
        delete(BoardOrganisation).where(
            BoardOrganisation.board_id == board.id, BoardOrganisation.organisation_id.not_in(wanted)
        )
    )
    for organisation_id in wanted:
        if organisation_id not in before:
            db.add(BoardOrganisation(board_id=board.id, organisation_id=organisation_id))
    db.flush()
    for organisation_id in sorted(set(before) | set(wanted)):
        audit.record(
            db, Event.FORUM_BOARD_SHARED, None, audit.board_subject(board.id), organisation_id=organisation_id
        )
    return board


def _last_position(db: Session) -> int:
    return max(db.scalars(select(Board.position)), default=0)


def appoint(db: Session, user: User, on: bool, actor: User | None) -> None:
    """Let ``user`` moderate the shared boards of their organisation (or no longer)."""
    if user.moderates_shared_boards == on:
        return
    user.moderates_shared_boards = on
    audit.record(
        db, Event.FORUM_MODERATOR_APPOINTED, actor, audit.user_subject(user.id), user.organisation_id
    )


def gate_boards(db: Session, board_ids: list[int], passphrase: str | None) -> None:
    """The operator's gate over a group of boards (shared ones among them): one passphrase, or
    none; each participating organisation finds the change in its own audit log."""
    gate.set_for_boards(db, board_ids, passphrase)
    participants = {org for board_id in board_ids for org in reach.organisation_ids(db, board_id)}
    for organisation_id in sorted(participants):
        audit.record(
            db, Event.FORUM_GATE_CHANGED, None, audit.FORUM_GATE_SUBJECT, organisation_id=organisation_id
        )
