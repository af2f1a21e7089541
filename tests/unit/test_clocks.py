"""The legal clocks across month ends, leap years and the Stockholm date line."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.cases.clocks import SOON_DAYS, add_months, clocks, refresh_due, urgency
from portal.domain import Status
from portal.models import Report

D = dt.date


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2026, 1, 15), 3, D(2026, 4, 15)),
        (D(2026, 11, 30), 3, D(2027, 2, 28)),  # no 30 February: the month's last day
        (D(2027, 11, 30), 3, D(2028, 2, 29)),  # leap year
        (D(2026, 3, 31), 3, D(2026, 6, 30)),
        (D(2026, 10, 31), 3, D(2027, 1, 31)),  # across the year end
        (D(2026, 12, 31), 2, D(2027, 2, 28)),
        (D(2026, 1, 31), 12, D(2027, 1, 31)),
    ],
)
def test_add_months_clamps_to_month_end(start: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(start, months) == expected


def test_new_report_must_be_acknowledged_within_seven_days() -> None:
    c = clocks(Status.NEW, D(2026, 12, 28), True, None, None)
    assert c.acknowledge_by == D(2027, 1, 4)  # across the year end
    assert c.next_due == D(2027, 1, 4)
    assert c.feedback_by == D(2027, 4, 4)  # 3 months from the 7th day if never acknowledged


def test_feedback_runs_from_the_acknowledgement() -> None:
    c = clocks(Status.ACKNOWLEDGED, D(2026, 11, 20), True, D(2026, 11, 30), None)
    assert c.acknowledge_by is None
    assert c.feedback_by == D(2027, 2, 28)


def test_declined_acknowledgement_starts_feedback_clock_on_day_seven() -> None:
    c = clocks(Status.NEW, D(2026, 1, 24), False, None, None)
    assert c.acknowledge_by is None
    assert c.feedback_by == D(2026, 4, 30)  # 31 January + 3 months


def test_nothing_is_due_after_feedback_or_closing() -> None:
    assert clocks(Status.IN_PROGRESS, D(2026, 1, 1), True, D(2026, 1, 2), D(2026, 2, 1)).next_due is None
    assert clocks(Status.CLOSED, D(2026, 1, 1), True, None, None).next_due is None


def test_refresh_due_stores_the_next_clock_and_follows_the_case() -> None:
    # A report row that never meets a database: refresh_due only reads and writes its columns.
    report = Report(
        status=Status.NEW, created_on=D(2026, 3, 2), wants_acknowledgement=True, acknowledged_on=None
    )
    refresh_due(report)
    assert report.due_on == D(2026, 3, 9)  # acknowledge within 7 days
    report.status, report.acknowledged_on = Status.ACKNOWLEDGED, D(2026, 3, 5)
    refresh_due(report)
    assert report.due_on == D(2026, 6, 5)  # feedback within 3 months of the acknowledgement
    report.status = Status.CLOSED
    refresh_due(report)
    assert report.due_on is None


@pytest.mark.parametrize(
    ("due", "today", "expected"),
    [
        (None, D(2026, 5, 1), "none"),
        (D(2026, 4, 30), D(2026, 5, 1), "overdue"),
        (D(2026, 5, 1), D(2026, 5, 1), "soon"),
        (D(2026, 5, 1) + dt.timedelta(days=SOON_DAYS), D(2026, 5, 1), "soon"),
        (D(2026, 5, 1) + dt.timedelta(days=SOON_DAYS + 1), D(2026, 5, 1), "later"),
    ],
)
def test_urgency(due: dt.date | None, today: dt.date, expected: str) -> None:
    assert urgency(due, today) == expected


@pytest.mark.parametrize(
    ("utc_moment", "stockholm_date"),
    [
        (dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC), D(2027, 1, 1)),  # CET: +1
        (dt.datetime(2026, 6, 30, 22, 30, tzinfo=dt.UTC), D(2026, 7, 1)),  # CEST: +2
        (dt.datetime(2026, 6, 30, 21, 30, tzinfo=dt.UTC), D(2026, 6, 30)),
        (dt.datetime(2026, 3, 29, 0, 59, tzinfo=dt.UTC), D(2026, 3, 29)),  # DST switch night
    ],
)
def test_reporter_dates_are_swedish_dates(
    monkeypatch: pytest.MonkeyPatch, utc_moment: dt.datetime, stockholm_date: dt.date
) -> None:
    from portal import domain

    class Frozen(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> dt.datetime:  # type: ignore[override]
            return utc_moment.astimezone(tz) if tz else utc_moment

    monkeypatch.setattr("portal.domain.dt.datetime", Frozen)
    assert domain.today() == stockholm_date
