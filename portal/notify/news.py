"""What is new for one organisation since its last notice, and whether one of its legal deadlines
is near: read from the rows.

The reporter's request writes nothing for notices: a new report, message or file is a new row
with a higher id, a meeting request is a date on the report. Comparing these with the marks of
the last notice needs no clock and no extra record of when the reporter acted. Every question
names its organisation (``Report.organisation_id``, the first column of the reports' indexes):
the timer runs outside any request, where no scope (portal/scoping.py) filters for it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, not_, or_, select
from sqlalchemy.orm import Session

from ..cases.clocks import SOON_DAYS
from ..models import Attachment, Author, Message, Report
from .models import NotifyState

# Every new case is due for acknowledgement within 7 days (lag 2021:890), so the dashboard's
# "soon" would remind of each case every day from day one: the mail waits for the last days.
ACKNOWLEDGE_REMIND_DAYS = 2
# Feedback takes work: remind as early as the dashboard calls a deadline near.
FEEDBACK_REMIND_DAYS = SOON_DAYS


@dataclass(frozen=True)
class Marks:
    """High-water marks; something is new when any of them is above the announced one."""

    reports: int = 0
    reporter_messages: int = 0
    reporter_files: int = 0
    meeting_requests: int = 0

    def above(self, announced: Marks) -> bool:
        return any(getattr(self, f.name) > getattr(announced, f.name) for f in dataclasses.fields(self))


def _open_meeting_request() -> ColumnElement[bool]:
    return and_(
        Report.meeting_requested_on.is_not(None),
        or_(Report.meeting_offered_on.is_(None), Report.meeting_offered_on < Report.meeting_requested_on),
    )


def current(db: Session, organisation_id: int) -> Marks:
    """Three maxima on primary keys and one count, once per timer run and organisation."""
    own = Report.organisation_id == organisation_id
    return Marks(
        reports=db.scalar(select(func.max(Report.id)).where(own)) or 0,
        reporter_messages=db.scalar(
            select(func.max(Message.id))
            .join(Report, Message.report_id == Report.id)
            .where(own, Message.author == Author.REPORTER)
        )
        or 0,
        reporter_files=db.scalar(
            select(func.max(Attachment.id)).join(Report, Attachment.report_id == Report.id).where(own)
        )
        or 0,
        meeting_requests=db.scalar(
            select(func.count()).select_from(Report).where(own, _open_meeting_request())
        )
        or 0,
    )


def _row(db: Session, organisation_id: int) -> NotifyState | None:
    return db.scalar(select(NotifyState).where(NotifyState.organisation_id == organisation_id))


def _state(db: Session, organisation_id: int) -> NotifyState:
    """The organisation's row, created on first write inside the caller's transaction."""
    row = _row(db, organisation_id)
    if row is None:
        row = NotifyState(
            organisation_id=organisation_id,
            reports=0,
            reporter_messages=0,
            reporter_files=0,
            meeting_requests=0,
        )
        db.add(row)
    return row


def announced(db: Session, organisation_id: int) -> Marks:
    row = _row(db, organisation_id)
    if row is None:
        return Marks()
    return Marks(row.reports, row.reporter_messages, row.reporter_files, row.meeting_requests)


def remember(db: Session, organisation_id: int, marks: Marks) -> None:
    """Store the marks as they were read, lower ones too.

    Lower: a moderator answered a meeting request, or the newest case was erased (ids are never
    given again, migration 0018, so the next report is above the old mark anyway).
    """
    row = _state(db, organisation_id)
    for f in dataclasses.fields(marks):
        value = getattr(marks, f.name)
        if getattr(row, f.name) != value:  # assign only on change: no write when nothing moved
            setattr(row, f.name, value)


def last_reminder(db: Session, organisation_id: int) -> dt.date | None:
    row = _row(db, organisation_id)
    return row.deadlines_sent_on if row else None


def remember_reminder(db: Session, organisation_id: int, today: dt.date) -> None:
    _state(db, organisation_id).deadlines_sent_on = today


def deadline_near(db: Session, organisation_id: int, today: dt.date) -> bool:
    """Is a case of the organisation past its next legal deadline, or close enough to remind?"""
    awaiting_acknowledgement = and_(Report.wants_acknowledgement.is_(True), Report.acknowledged_on.is_(None))
    near = or_(
        and_(
            awaiting_acknowledgement,
            Report.due_on <= today + dt.timedelta(days=ACKNOWLEDGE_REMIND_DAYS),
        ),
        and_(
            not_(awaiting_acknowledgement),
            Report.due_on <= today + dt.timedelta(days=FEEDBACK_REMIND_DAYS),
        ),
    )
    # Closed cases have no due_on, so they never match; ix_reports_org_due_on_id finds the rest.
    query = select(Report.id).where(Report.organisation_id == organisation_id, near).limit(1)
    return db.scalar(query) is not None
