"""What the dashboard shows: counts by status, what is due, what waits for an answer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..domain import Status
from ..models import Report
from .clocks import SOON_DAYS

URGENT_LIMIT = 20


@dataclass(frozen=True)
class Overview:
    by_status: dict[Status, int]
    urgent: list[Report]
    overdue: int
    awaiting_answer: int


def overview(db: Session, today: dt.date) -> Overview:
    counts = {status: 0 for status in Status}
    for status, count in db.execute(select(Report.status, func.count()).group_by(Report.status)):
        counts[status] = count
    horizon = today + dt.timedelta(days=SOON_DAYS)
    urgent = list(
        db.scalars(
            select(Report)
            .where(Report.due_on <= horizon)
            .order_by(Report.due_on, Report.id)
            .limit(URGENT_LIMIT)
        )
    )
    overdue = db.scalar(select(func.count()).select_from(Report).where(Report.due_on < today)) or 0
    awaiting = (
        db.scalar(select(func.count()).select_from(Report).where(Report.awaiting_moderator.is_(True))) or 0
    )
    return Overview(by_status=counts, urgent=urgent, overdue=overdue, awaiting_answer=awaiting)
