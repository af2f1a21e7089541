"""portal.cases.overview: the dashboard's counts by status, what falls due, what waits for an answer."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from portal.cases.overview import overview
from portal.domain import Status
from tests.unit.conftest import ReportFactory

D = dt.date
TODAY = D(2026, 3, 16)


def test_counts_due_dates_and_waiting_cases(db: Session, new_report: ReportFactory) -> None:
    overdue = new_report(created_on=D(2026, 3, 2))  # acknowledge by 9 March
    due_today = new_report(created_on=D(2026, 3, 9))  # by 16 March
    within_a_week = new_report(created_on=D(2026, 3, 16))  # by 23 March
    later = new_report(created_on=D(2026, 3, 2))
    later.due_on = D(2026, 3, 24)  # eight days ahead: not urgent
    closed = new_report(created_on=D(2026, 3, 2))
    closed.status, closed.due_on = Status.CLOSED, None
    waiting = new_report(created_on=D(2026, 3, 10))
    waiting.status, waiting.awaiting_moderator = Status.IN_PROGRESS, True
    db.flush()
    seen = overview(db, TODAY)
    assert seen.by_status == {
        Status.NEW: 4,
        Status.ACKNOWLEDGED: 0,
        Status.IN_PROGRESS: 1,
        Status.CLOSED: 1,
    }
    assert [r.id for r in seen.urgent] == [overdue.id, due_today.id, waiting.id, within_a_week.id]
    assert seen.overdue == 1
    assert seen.awaiting_answer == 1
    assert later not in seen.urgent and closed not in seen.urgent
