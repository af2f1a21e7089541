"""The handling figures' SQL: every report in the range and every erased case's row counted per
(month, kind) in one statement, a column per *measure* (``count(*) FILTER (WHERE ...)``, and the
sum of the record keys likewise for the CSV); every breakdown's rows are worked out from the
measures and the group's total (``_rows``), so each row costs at most one cheap condition. The
durations to acknowledgement and to feedback are counted per month and number of days, for the
medians.

Live reports carry their durations in days and whether feedback kept its clock, stored when the
dates are set (``clocks.record_handling``); erased cases only whole weeks (``ErasedCase``), so
for them:

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
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, case, false, func, literal, select, union_all
from sqlalchemy.orm import Session

from ...cases.clocks import ACKNOWLEDGE_DAYS, SOON_DAYS
from ...domain import ExertedBy, Kind, Outcome, Status
from ...models import ErasedCase, Report
from . import months
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


@dataclass(frozen=True)
class Breakdown:
    name: str
    rows: tuple[Row, ...]


BREAKDOWNS = (
    Breakdown("acknowledgement", tuple(Timeliness)),
    Breakdown("feedback", tuple(Timeliness)),
    Breakdown("age", tuple(Age)),
    Breakdown("urgency", tuple(Urgency)),
    Breakdown("outcome", (*Outcome, Handled.NO_OUTCOME, Handled.STILL_OPEN)),
    Breakdown("exerted_by", (*ExertedBy, None)),
    Breakdown("incident_system", tuple(Also)),
    Breakdown("police", tuple(Also)),
)


def _measures(today: dt.date) -> list[tuple[str, ColumnElement[bool], ColumnElement[bool]]]:
    """(name, condition on a report, condition on an erased case's row) of everything counted."""
    week, month, quarter = age_cutoffs(today)
    is_open = Report.status != Status.CLOSED
    never = false()
    measures = [
        (
            "acked",
            Report.days_to_acknowledgement.is_not(None),
            ErasedCase.weeks_to_acknowledgement.is_not(None),
        ),
        (
            "acked_in_time",
            Report.days_to_acknowledgement <= ACKNOWLEDGE_DAYS,
            ErasedCase.weeks_to_acknowledgement < 1,
        ),
        ("fed_back", Report.days_to_feedback.is_not(None), ErasedCase.weeks_to_feedback.is_not(None)),
        (
            "fed_back_in_time",
            Report.feedback_in_time.is_(True),
            ErasedCase.weeks_to_feedback < FEEDBACK_WEEKS,
        ),
        ("open", is_open, never),
        ("open_week", and_(is_open, Report.created_on > week), never),
        ("open_month", and_(is_open, Report.created_on > month), never),
        ("open_quarter", and_(is_open, Report.created_on > quarter), never),
        ("overdue", Report.due_on < today, never),
        ("urgent", Report.due_on <= today + dt.timedelta(days=SOON_DAYS), never),
    ]
    measures += [
        (
            f"outcome_{o.value}",
            and_(Report.status == Status.CLOSED, Report.outcome == o),
            ErasedCase.outcome == o,
        )
        for o in Outcome
    ]
    measures += [(f"by_{e.value}", Report.exerted_by == e, ErasedCase.exerted_by == e) for e in ExertedBy]
    for name, live, erased in (
        ("incident", Report.reported_to_incident_system, ErasedCase.reported_to_incident_system),
        ("police", Report.reported_to_police, ErasedCase.reported_to_police),
    ):
        measures += [
            (f"{name}_yes", live.is_(True), erased.is_(True)),
            (f"{name}_unknown", never, erased.is_(None)),
        ]
    return measures


# (breakdown name, row) -> (count, sum of record keys)
Counted = dict[tuple[str, Row], tuple[int, int]]
# (first day of the month, kind) -> its counts
ByMonth = dict[tuple[dt.date, Kind], Counted]
Pair = tuple[int, int]


def _minus(a: Pair, *others: Pair) -> Pair:
    return a[0] - sum(o[0] for o in others), a[1] - sum(o[1] for o in others)


def _rows(m: dict[str, Pair], total: Pair) -> Counted:
    """Every breakdown's rows from the measures: what is not counted by a measure is the rest."""
    outcomes = [m[f"outcome_{o.value}"] for o in Outcome]
    exerted = [m[f"by_{e.value}"] for e in ExertedBy]
    rows: Counted = {}
    for name, done, in_time in (
        ("acknowledgement", m["acked"], m["acked_in_time"]),
        ("feedback", m["fed_back"], m["fed_back_in_time"]),
    ):
        rows[(name, Timeliness.IN_TIME)] = in_time
        rows[(name, Timeliness.LATE)] = _minus(done, in_time)
        rows[(name, Timeliness.NOT_YET)] = _minus(total, done)
    rows[("age", Age.UNDER_7_DAYS)] = m["open_week"]
    rows[("age", Age.DAYS_7_30)] = _minus(m["open_month"], m["open_week"])
    rows[("age", Age.MONTHS_1_3)] = _minus(m["open_quarter"], m["open_month"])
    rows[("age", Age.OVER_3_MONTHS)] = _minus(m["open"], m["open_quarter"])
    rows[("age", Age.CLOSED)] = _minus(total, m["open"])
    rows[("urgency", Urgency.OVERDUE)] = m["overdue"]
    rows[("urgency", Urgency.SOON)] = _minus(m["urgent"], m["overdue"])
    rows[("urgency", Urgency.NOT_URGENT)] = _minus(total, m["urgent"])
    for outcome, pair in zip(Outcome, outcomes, strict=True):
        rows[("outcome", outcome)] = pair
    rows[("outcome", Handled.NO_OUTCOME)] = _minus(total, m["open"], *outcomes)
    rows[("outcome", Handled.STILL_OPEN)] = m["open"]
    for by, pair in zip(ExertedBy, exerted, strict=True):
        rows[("exerted_by", by)] = pair
    rows[("exerted_by", None)] = _minus(total, *exerted)
    for breakdown, name in (("incident_system", "incident"), ("police", "police")):
        yes, unknown = m[f"{name}_yes"], m[f"{name}_unknown"]
        rows[(breakdown, Also.YES)] = yes
        rows[(breakdown, Also.NOT_KNOWN)] = unknown
        rows[(breakdown, Also.NO)] = _minus(total, yes, unknown)
    return rows


def _select(f: StatsFilter, erased: bool, today: dt.date, keyed: bool, kind_filter: bool) -> Any:
    model = ErasedCase if erased else Report
    day = ErasedCase.month if erased else Report.created_on
    key = ErasedCase.record_key if erased else Report.record_key
    columns: list[ColumnElement[int]] = [func.count(), func.sum(key)]
    # sum(CASE ...) rather than count(*) FILTER (...): SQLite takes about three times as long
    # per FILTER (62 against 39 ms for five of them over a year of the bench's reports).
    for _name, live, dead in _measures(today):
        condition = dead if erased else live
        columns.append(func.sum(case((condition, 1), else_=0)))
        if keyed:
            columns.append(func.sum(case((condition, key), else_=0)))
    # Grouped by the day, not the month: (day, kind) is the order of the covering index
    # (``ix_reports_org_created_on_handling``), so the database groups as it reads, with no sort
    # (about half the time of grouping by month on SQLite); the days are added up into months here.
    query = select(day, model.kind, *columns).where(day >= f.start, day < f.end)
    if kind_filter and f.kind is not None:
        query = query.where(model.kind == f.kind)
    return query.group_by(day, model.kind)


def count(db: Session, f: StatsFilter, today: dt.date, keyed: bool) -> ByMonth:
    """Every breakdown's counts per (month, kind), reports and erased cases added together. With
    ``keyed`` the record keys are summed too, and every kind is counted (the CSV's units are
    perturbed per kind, as ``service.count_keyed``'s); without, only the filter's kind."""
    names = ["total", *(name for name, _live, _erased in _measures(today))]
    # Per (month, kind), the running sums in the statement's column order: the count and the
    # record keys' sum, then each measure (with its keys' sum when keyed). Added up as lists of
    # plain ints, since a year has ~3 300 (day, kind) rows of ~30 sums each.
    sums: dict[tuple[dt.date, Kind], list[int]] = {}
    # One compound statement, like ``service.count``: the same reports as the statistics page's.
    query = union_all(*(_select(f, erased, today, keyed, not keyed) for erased in (False, True)))
    for day, kind, *values in db.execute(query):
        unit = (_month_of(day), kind)
        running = sums.get(unit)
        if running is None:
            sums[unit] = [int(v or 0) for v in values]
        else:
            for i, value in enumerate(values):
                if value:
                    running[i] += int(value)
    counted: ByMonth = {}
    for unit, running in sums.items():
        measured = _pairs(names, running, keyed)
        counted[unit] = _rows(measured, measured["total"])
    return counted


def _pairs(names: list[str], running: list[int], keyed: bool) -> dict[str, Pair]:
    """The statement's columns as (count, keys' sum) per measure name; no keys' sums unless keyed
    (the total always has its own)."""
    pairs = {"total": (running[0], running[1])}
    step = 2 if keyed else 1
    for n, name in enumerate(names[1:]):
        at = 2 + n * step
        pairs[name] = (running[at], running[at + 1] if keyed else 0)
    return pairs


# month -> {days: how many}
Durations = dict[dt.date, dict[int, int]]


def _month_of(day: dt.date | str) -> dt.date:
    """The first day of a date's month (SQLite returns a date of a compound statement as its text)."""
    return months.first_day(day if isinstance(day, str) else f"{day:%Y-%m}")


def durations(db: Session, f: StatsFilter) -> tuple[Durations, Durations]:
    """Days from receipt to acknowledgement, and to feedback, per month received (stored on the
    report, ``clocks.record_handling``); an erased case's weeks as the middle day of the week.
    One statement for both."""
    live_month, erased_month = months.month(Report.created_on), months.month(ErasedCase.month)
    parts = []
    for tag, live_days, weeks in (
        ("a", Report.days_to_acknowledgement, ErasedCase.weeks_to_acknowledgement),
        ("f", Report.days_to_feedback, ErasedCase.weeks_to_feedback),
    ):
        live = select(literal(tag), live_month, live_days, func.count()).where(
            Report.created_on >= f.start, Report.created_on < f.end, live_days.is_not(None)
        )
        erased = select(literal(tag), erased_month, weeks * 7 + 3, func.count()).where(
            ErasedCase.month >= f.start, ErasedCase.month < f.end, weeks.is_not(None)
        )
        if f.kind is not None:
            live, erased = live.where(Report.kind == f.kind), erased.where(ErasedCase.kind == f.kind)
        parts += [live.group_by(live_month, live_days), erased.group_by(erased_month, weeks)]
    query: Any = union_all(*parts)
    found: dict[str, Durations] = {"a": {}, "f": {}}
    for tag, month_text, value, number in db.execute(query):
        counted = found[tag].setdefault(months.first_day(month_text), {})
        counted[int(value)] = counted.get(int(value), 0) + int(number)
    return found["a"], found["f"]
