"""The handling figures' SQL: every report in the range and every erased case's row, classified
once per breakdown and counted per (month, kind) in one pass over each table (a column of
conditional sums per breakdown row), plus the durations to acknowledgement and to feedback
counted per month and number of days, for the medians.

Live reports have dates; erased cases only whole weeks (``ErasedCase``), so for them:

- acknowledged in time means in the first week (0–6 days: an erased case acknowledged on the
  seventh day counts as late), feedback in time within its first 13 weeks (at most 90 days after
  receipt, about three months);
- a duration counts as the middle of its week (``weeks * 7 + 3`` days) in the medians;
- they are closed and not urgent, and were reported on to the incident system or the police
  only if the row says so (rows left before those two were kept count as not known).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, String, case, func, literal, select, type_coerce, union_all
from sqlalchemy.orm import Session

from ...cases.clocks import ACKNOWLEDGE_DAYS, SOON_DAYS
from ...domain import ExertedBy, Kind, Outcome, Status
from ...models import ErasedCase, Report
from . import months
from .dates import days, feedback_in_time, seven_days_after
from .figures import Age, age_cutoffs
from .service import StatsFilter

# Weeks an erased case may have waited for feedback and still count as in time (see the module).
FEEDBACK_WEEKS = 13


class Handled(enum.StrEnum):
    STILL_OPEN = "still_open"
    NO_OUTCOME = "no_outcome"


class Urgency(enum.StrEnum):
    """What the dashboard calls urgent (``cases.overview``): the next deadline is past or within
    ``SOON_DAYS``."""

    OVERDUE = "overdue"
    SOON = "soon"
    NOT_URGENT = "not_urgent"


class Timeliness(enum.StrEnum):
    IN_TIME = "in_time"
    LATE = "late"
    NOT_YET = "not_yet"


class Also(enum.StrEnum):
    YES = "yes"
    NO = "no"
    NOT_KNOWN = "not_known"


Row = enum.StrEnum | None
# A breakdown's row for a report (live) or an erased case's row: a CASE over plain columns.
Classify = Callable[[dt.date], ColumnElement[str]]

_NONE = "-"  # what a row of "not given" is called inside the SQL


@dataclass(frozen=True)
class Breakdown:
    name: str
    rows: tuple[Row, ...]
    live: Classify
    erased: Classify


def _text(column: object) -> ColumnElement[str]:
    """An enum column as its stored text, so that a value of another row set can stand beside it."""
    return type_coerce(column, String())


def _value(column: object) -> ColumnElement[str]:
    return func.coalesce(_text(column), _NONE)


def _open() -> ColumnElement[bool]:
    return Report.status != Status.CLOSED


def _age(today: dt.date) -> ColumnElement[str]:
    week, month, quarter = age_cutoffs(today)
    return case(
        (Report.status == Status.CLOSED, Age.CLOSED.value),
        (Report.created_on > week, Age.UNDER_7_DAYS.value),
        (Report.created_on > month, Age.DAYS_7_30.value),
        (Report.created_on > quarter, Age.MONTHS_1_3.value),
        else_=Age.OVER_3_MONTHS.value,
    )


def _urgency(today: dt.date) -> ColumnElement[str]:
    return case(
        (Report.due_on < today, Urgency.OVERDUE.value),
        (Report.due_on <= today + dt.timedelta(days=SOON_DAYS), Urgency.SOON.value),
        else_=Urgency.NOT_URGENT.value,
    )


def _outcome(_today: dt.date) -> ColumnElement[str]:
    return case(
        (_open(), Handled.STILL_OPEN.value),
        else_=func.coalesce(_text(Report.outcome), Handled.NO_OUTCOME.value),
    )


def _acknowledged(_today: dt.date) -> ColumnElement[str]:
    return case(
        (Report.acknowledged_on.is_(None), Timeliness.NOT_YET.value),
        (days(Report.created_on, Report.acknowledged_on) <= ACKNOWLEDGE_DAYS, Timeliness.IN_TIME.value),
        else_=Timeliness.LATE.value,
    )


def _fed_back(_today: dt.date) -> ColumnElement[str]:
    start = func.coalesce(Report.acknowledged_on, seven_days_after(Report.created_on))
    return case(
        (Report.feedback_on.is_(None), Timeliness.NOT_YET.value),
        (feedback_in_time(start, Report.feedback_on), Timeliness.IN_TIME.value),
        else_=Timeliness.LATE.value,
    )


def _flag(column: Any) -> ColumnElement[str]:
    return case((column.is_(None), Also.NOT_KNOWN.value), (column, Also.YES.value), else_=Also.NO.value)


def _weeks(column: Any, in_time: int) -> ColumnElement[str]:
    return case(
        (column.is_(None), Timeliness.NOT_YET.value),
        (column < in_time, Timeliness.IN_TIME.value),
        else_=Timeliness.LATE.value,
    )


def _constant(value: enum.StrEnum) -> Classify:
    return lambda _today: literal(value.value)


BREAKDOWNS = (
    Breakdown(
        "acknowledgement",
        tuple(Timeliness),
        _acknowledged,
        lambda _today: _weeks(ErasedCase.weeks_to_acknowledgement, 1),
    ),
    Breakdown(
        "feedback",
        tuple(Timeliness),
        _fed_back,
        lambda _today: _weeks(ErasedCase.weeks_to_feedback, FEEDBACK_WEEKS),
    ),
    Breakdown("age", tuple(Age), _age, _constant(Age.CLOSED)),
    Breakdown("urgency", tuple(Urgency), _urgency, _constant(Urgency.NOT_URGENT)),
    Breakdown(
        "outcome",
        (*Outcome, Handled.NO_OUTCOME, Handled.STILL_OPEN),
        _outcome,
        lambda _today: func.coalesce(_text(ErasedCase.outcome), Handled.NO_OUTCOME.value),
    ),
    Breakdown(
        "exerted_by",
        (*ExertedBy, None),
        lambda _today: _value(Report.exerted_by),
        lambda _today: _value(ErasedCase.exerted_by),
    ),
    Breakdown(
        "incident_system",
        tuple(Also),
        lambda _today: _flag(Report.reported_to_incident_system),
        lambda _today: _flag(ErasedCase.reported_to_incident_system),
    ),
    Breakdown(
        "police",
        tuple(Also),
        lambda _today: _flag(Report.reported_to_police),
        lambda _today: _flag(ErasedCase.reported_to_police),
    ),
)

# (breakdown name, row) -> (count, sum of record keys)
Counted = dict[tuple[str, Row], tuple[int, int]]
# (first day of the month, kind) -> its counts
ByMonth = dict[tuple[dt.date, Kind], Counted]


def _columns(
    breakdowns: tuple[Breakdown, ...], erased: bool, today: dt.date, keyed: bool
) -> list[ColumnElement[int]]:
    key = ErasedCase.record_key if erased else Report.record_key
    columns: list[ColumnElement[int]] = []
    for breakdown in breakdowns:
        classified = (breakdown.erased if erased else breakdown.live)(today)
        for row in breakdown.rows:
            hit = classified == (row.value if row is not None else _NONE)
            columns.append(func.sum(case((hit, 1), else_=0)))
            if keyed:
                columns.append(func.sum(case((hit, key), else_=0)))
    return columns


def _select(f: StatsFilter, erased: bool, today: dt.date, keyed: bool, kind_filter: bool) -> Any:
    model = ErasedCase if erased else Report
    day = ErasedCase.month if erased else Report.created_on
    month = months.month(day)
    query = select(month, model.kind, *_columns(BREAKDOWNS, erased, today, keyed)).where(
        day >= f.start, day < f.end
    )
    if kind_filter and f.kind is not None:
        query = query.where(model.kind == f.kind)
    return query.group_by(month, model.kind)


def count(db: Session, f: StatsFilter, today: dt.date, keyed: bool) -> ByMonth:
    """Every breakdown's counts per (month, kind), reports and erased cases added together. With
    ``keyed`` the record keys are summed too, and every kind is counted (the CSV's units are
    perturbed per kind, as ``service.count_keyed``'s); without, only the filter's kind."""
    found: ByMonth = {}
    # One compound statement, like ``service.count``: the same reports as the statistics page's.
    query = union_all(*(_select(f, erased, today, keyed, not keyed) for erased in (False, True)))
    for month_text, kind, *sums in db.execute(query).tuples():
        counted = found.setdefault((months.first_day(month_text), kind), {})
        values = iter(sums)
        for breakdown in BREAKDOWNS:
            for row in breakdown.rows:
                number = int(next(values) or 0)
                keys = int(next(values) or 0) if keyed else 0
                old = counted.get((breakdown.name, row), (0, 0))
                counted[(breakdown.name, row)] = (old[0] + number, old[1] + keys)
    return found


# month -> {days: how many}
Durations = dict[dt.date, dict[int, int]]


def durations(db: Session, f: StatsFilter, acknowledgement: bool) -> Durations:
    """Days from receipt to acknowledgement (or to feedback) per month received; an erased case's
    weeks as the middle day of the week."""
    live_end = Report.acknowledged_on if acknowledgement else Report.feedback_on
    weeks = ErasedCase.weeks_to_acknowledgement if acknowledgement else ErasedCase.weeks_to_feedback
    live_days, erased_days = days(Report.created_on, live_end), weeks * 7 + 3
    live_month, erased_month = months.month(Report.created_on), months.month(ErasedCase.month)
    live = select(live_month, live_days, func.count()).where(
        Report.created_on >= f.start, Report.created_on < f.end, live_end.is_not(None)
    )
    erased = select(erased_month, erased_days, func.count()).where(
        ErasedCase.month >= f.start, ErasedCase.month < f.end, weeks.is_not(None)
    )
    if f.kind is not None:
        live, erased = live.where(Report.kind == f.kind), erased.where(ErasedCase.kind == f.kind)
    query: Any = union_all(live.group_by(live_month, live_days), erased.group_by(erased_month, weeks))
    found: Durations = {}
    for month_text, number_of_days, number in db.execute(query):
        counted = found.setdefault(months.first_day(month_text), {})
        counted[int(number_of_days)] = counted.get(int(number_of_days), 0) + int(number)
    return found
