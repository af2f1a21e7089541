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
from ...models import AuditEvent, User

PAGE_SIZE = 50
MAX_ID = 2**31 - 1  # PostgreSQL's integer ids; larger numbers are no row of ours
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
class Page:
    rows: list[Row]
    next_cursor: int | None


def parse_cursor(text: str | None) -> int | None:
    """The id after ``before=`` in a next-page link; anything else means the first page."""
    try:
        number = int(text or "")
    except ValueError:
        return None
    # A larger number would overflow SQLite's integers (a 500) instead of matching nothing.
    return number if 0 < number <= MAX_ID else None


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
        query = query.where(AuditEvent.subject == f.subject)
    if f.date_from:
        query = query.where(AuditEvent.at >= _start_of(f.date_from))
    if f.date_to:
        query = query.where(AuditEvent.at < _start_of(f.date_to + dt.timedelta(days=1)))
    return query


def page(db: Session, f: AuditFilter) -> Page:
    """Newest first by id (the primary key): page 1 000 costs what page 1 costs, unlike OFFSET."""
    query = _filtered(f)
    if f.before is not None:
        query = query.where(AuditEvent.id < f.before)
    rows = [
        Row(event, actor)
        for event, actor in db.execute(query.order_by(AuditEvent.id.desc()).limit(PAGE_SIZE + 1))
    ]
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return Page(rows=rows, next_cursor=rows[-1].event.id if more else None)


def actors(db: Session) -> list[tuple[int, str]]:
    """Everyone who may appear as an actor, for the filter's list."""
    return [
        (row.id, row.username) for row in db.execute(select(User.id, User.username).order_by(User.username))
    ]
