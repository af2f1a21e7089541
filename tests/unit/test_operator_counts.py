"""The operator's coarse counts: completed days only, each day perturbed with its cell key."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from portal import scoping
from portal.operator import counts
from tests.unit.conftest import ReportFactory

TODAY = dt.date(2026, 3, 12)


def _reports(new_report: ReportFactory, day: dt.date, number: int, record_key: int) -> None:
    for _ in range(number):
        new_report(created_on=day).record_key = record_key


def test_completed_days_are_counted_perturbed_and_today_is_not(
    db: Session, new_report: ReportFactory
) -> None:
    _reports(new_report, TODAY - dt.timedelta(days=14), 1, 0)  # the oldest day shown
    _reports(new_report, TODAY - dt.timedelta(days=2), 7, 0)  # key 0: seven shown as five
    _reports(new_report, TODAY - dt.timedelta(days=1), 9, 65535 // 9)  # keys sum to 65529: 9 + 2
    _reports(new_report, TODAY, 3, 0)  # today: not shown at all
    _reports(new_report, TODAY - dt.timedelta(days=15), 6, 0)  # before the window
    db.flush()
    scoping.scope_to(db, None)  # the operator's session: the counts opt out explicitly
    daily = counts.daily(db, TODAY, threshold=5)
    assert daily.days[0] == dt.date(2026, 2, 26) and daily.days[-1] == dt.date(2026, 3, 11)
    organisation_id = next(iter(daily.by_organisation))
    # One report with key 0 shows as the threshold; no figure from 1 to 4 ever shows.
    assert daily.of(organisation_id) == [5] + [0] * 11 + [5, 11]
    assert daily.of(organisation_id + 1) == [0] * 14
