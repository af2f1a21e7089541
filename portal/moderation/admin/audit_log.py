"""Reading the audit log: filters and keyset pagination. Read-only on purpose.

Nothing in the portal edits or deletes an audit event: the trail is only worth something if the
people it records cannot rewrite it (DESIGN.md §3, Moderators).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ...audit import Event
from ...domain import TIMEZONE
from ...ids import parse_id
from ...models import AuditEvent, User
from ...pagination import KeysetPage, fetch_page
from . import audit_words
from .audit_words import Detail

NOBODY = 0  # actor filter: events without a user (the system, or a log-in with an unknown name)

AuditQuery = Select[AuditEvent, str]


def areas() -> list[str]:
    """The area of every event of the taxonomy (``case``, ``auth``, ``user``, …)."""
    return sorted({event.area for event in Event})


@dataclass(frozen=True)
class AuditFilter:
    area: str | None = None
    event: str | None = None
    actor_id: int | None = None  # NOBODY: events without an actor
    subject: str | None = None
    date_from: dt.date | None = None  # dates in Swedish time, both ends included
    date_to: dt.date | None = None
    before: int | None = None  # cursor: the id of the last event of the previous page


@dataclass(frozen=True)
class Row:
    event: AuditEvent
    actor: str | None

    @property
    def local_time(self) -> dt.datetime:
        return self.event.at.astimezone(TIMEZONE)


@dataclass(frozen=True)
class Shown:
    """A row as the page shows it: the event in words and what it is about."""

    row: Row
    words: str
    detail: Detail | None


def in_words(db: Session, rows: list[Row]) -> list[Shown]:
    """The page's rows in words; the moderators their subjects name are looked up in one query."""
    ids = audit_words.user_ids(row.event.subject for row in rows)
    query = select(User.id, User.username).where(User.id.in_(sorted(ids)))
    names: dict[int, str] = {ident: name for ident, name in db.execute(query)} if ids else {}
    return [
        Shown(
            row,
            audit_words.event_words(row.event.event, row.event.subject),
            audit_words.detail(row.event.subject, names),
        )
        for row in rows
    ]


def parse_cursor(text: str | None) -> int | None:
    """The id after ``before=`` in a next-page link; anything else means the first page."""
    number = parse_id(text)  # a row id or None, never a number that would overflow the database
    return number if number else None  # before=0 would match nothing: the first page instead


def _start_of(day: dt.date) -> dt.datetime:
    """Midnight in Sweden as a UTC moment (zoneinfo handles the summer-time shifts)."""
    return dt.datetime.combine(day, dt.time.min, TIMEZONE).astimezone(dt.UTC)


def _filtered(f: AuditFilter) -> AuditQuery:
    query: AuditQuery = select(AuditEvent, User.username).outerjoin(User, User.id == AuditEvent.actor_id)
    if f.area:
        query = query.where(AuditEvent.event.startswith(f.area + ":", autoescape=True))
    if f.event:
        query = query.where(AuditEvent.event == f.event)
    if f.actor_id == NOBODY:
        query = query.where(AuditEvent.actor_id.is_(None))
    elif f.actor_id is not None:
        query = query.where(AuditEvent.actor_id == f.actor_id)
    if f.subject:
        # "case:12" finds the case's own events and those about one moderator's access to it
        # ("case:12:user:3"), never case 120's.
        query = query.where(
            (AuditEvent.subject == f.subject)
            | AuditEvent.subject.startswith(f.subject + ":", autoescape=True)
        )
    if f.date_from:
        query = query.where(AuditEvent.at >= _start_of(f.date_from))
    if f.date_to:
        query = query.where(AuditEvent.at < _start_of(f.date_to + dt.timedelta(days=1)))
    return query


def page(db: Session, f: AuditFilter) -> KeysetPage[Row, int]:
    """Newest first by id, the primary key: unique and indexed, so each page is one range scan
    from ``before`` down, with no tie between events of the same moment to break."""
    query = _filtered(f)
    if f.before is not None:
        query = query.where(AuditEvent.id < f.before)
    return fetch_page(
        db, query.order_by(AuditEvent.id.desc()), cursor=lambda row: row.event.id, row=lambda r: Row(*r)
    )


def actors(db: Session) -> list[tuple[int, str]]:
    """Everyone who may appear as an actor, for the filter's list."""
    return [
        (row.id, row.username) for row in db.execute(select(User.id, User.username).order_by(User.username))
    ]
