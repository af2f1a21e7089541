"""The legal clocks of the whistleblowing act (lag 2021:890, 6 kap. 2 §), in Swedish dates.

- Acknowledge receipt within 7 days, unless the reporter declined an acknowledgement.
- Give feedback within 3 months of the acknowledgement; without one (declined), within
  3 months of the seventh day after receipt.
A report's ``due_on`` is the next of these that is still open; closed reports have none.
Both audiences move the clocks (a report sent, a moderator's first message), so both call
``refresh_due``.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from ..domain import Status
from ..models import Report

ACKNOWLEDGE_DAYS = 7
FEEDBACK_MONTHS = 3
# "Approaching": the dashboard and the reminder list what falls due within this many days.
SOON_DAYS = 7


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day of the month, months later; the last day when that month is shorter (31 Mar → 30 Jun)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Clocks:
    acknowledge_by: dt.date | None
    feedback_by: dt.date | None

    @property
    def next_due(self) -> dt.date | None:
        return self.acknowledge_by or self.feedback_by


def clocks(
    status: Status,
    created_on: dt.date,
    wants_acknowledgement: bool,
    acknowledged_on: dt.date | None,
    feedback_on: dt.date | None,
) -> Clocks:
    if status is Status.CLOSED:
        return Clocks(None, None)
    received_plus_7 = created_on + dt.timedelta(days=ACKNOWLEDGE_DAYS)
    acknowledge_by = received_plus_7 if wants_acknowledgement and acknowledged_on is None else None
    feedback_by = None
    if feedback_on is None:
        feedback_by = feedback_deadline(created_on, acknowledged_on)
    return Clocks(acknowledge_by, feedback_by)


def refresh_due(report: Report) -> None:
    """Keep the stored next deadline in step with the status and the legal clocks."""
    report.due_on = clocks(
        report.status,
        report.created_on,
        report.wants_acknowledgement,
        report.acknowledged_on,
        report.feedback_on,
    ).next_due


def urgency(due_on: dt.date | None, today: dt.date) -> str:
    """``overdue``, ``soon`` (within SOON_DAYS), ``later`` or ``none``: for display and filters."""
    if due_on is None:
        return "none"
    if due_on < today:
        return "overdue"
    if (due_on - today).days <= SOON_DAYS:
        return "soon"
    return "later"


def record_handling(report: Report) -> None:
    """The durations the handling statistics count, from the dates that are set: days from receipt
    to acknowledgement and to feedback, and whether feedback came within its clock (three months
    from the acknowledgement, or from the seventh day without one)."""
    report.days_to_acknowledgement = (
        None if report.acknowledged_on is None else (report.acknowledged_on - report.created_on).days
    )
    if report.feedback_on is None:
        report.days_to_feedback = report.feedback_in_time = None
        return
    report.days_to_feedback = (report.feedback_on - report.created_on).days
    report.feedback_in_time = report.feedback_on <= feedback_deadline(
        report.created_on, report.acknowledged_on
    )


def feedback_deadline(created_on: dt.date, acknowledged_on: dt.date | None) -> dt.date:
    return add_months(acknowledged_on or created_on + dt.timedelta(days=ACKNOWLEDGE_DAYS), FEEDBACK_MONTHS)
