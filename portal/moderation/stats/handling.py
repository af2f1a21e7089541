"""How reports are handled (issue 15, part 5): time to acknowledgement and to feedback against the
clocks of lag 2021:890, open cases by age, urgent cases, outcomes, who exerted the pressure, and
what was also reported to the employer's incident system and to the police, per period.

Reports and erased cases' rows are both counted (``handling_query``), so that last year's figures
do not shrink when its cases are erased. The exact figures (``build``) are suppressed per period
around the statistics page's own period totals (``figures``); whatever leaves the portal
(``publish``) is perturbed per unit by cell key, as the statistics CSV is (``cell_key``). Medians
stay on the page: a median is one case's own figure, which no perturbation of counts protects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ...domain import Kind, label
from . import cell_key, figures, handling_query
from . import service as stats
from .cell_key import PerturbedTable, UnitKey
from .figures import Age
from .handling_query import BREAKDOWNS, Also, Breakdown, ByMonth, Handled, Row, Timeliness, Urgency
from .service import StatsFilter

ROW_LABELS = {
    ("acknowledgement", Timeliness.IN_TIME): _l("Acknowledged within 7 days"),
    ("acknowledgement", Timeliness.LATE): _l("Acknowledged later"),
    ("acknowledgement", Timeliness.NOT_YET): _l("Not acknowledged (yet, or the reporter declined)"),
    ("feedback", Timeliness.IN_TIME): _l("Feedback within 3 months"),
    ("feedback", Timeliness.LATE): _l("Feedback later"),
    ("feedback", Timeliness.NOT_YET): _l("No feedback yet"),
    ("age", Age.UNDER_7_DAYS): _l("Open, under 7 days"),
    ("age", Age.DAYS_7_30): _l("Open, 7–30 days"),
    ("age", Age.MONTHS_1_3): _l("Open, 1–3 months"),
    ("age", Age.OVER_3_MONTHS): _l("Open, over 3 months"),
    ("age", Age.CLOSED): _l("Closed or erased"),
    ("urgency", Urgency.OVERDUE): _l("Overdue"),
    ("urgency", Urgency.SOON): _l("Due within 7 days"),
    ("urgency", Urgency.NOT_URGENT): _l("Not urgent (later, no deadline, or closed)"),
    ("outcome", Handled.NO_OUTCOME): _l("Closed without an outcome"),
    ("outcome", Handled.STILL_OPEN): _l("Still open"),
    ("exerted_by", None): _l("Not given"),
    ("incident_system", Also.YES): _l("Also reported to the incident system"),
    ("incident_system", Also.NO): _l("Not reported to it"),
    ("incident_system", Also.NOT_KNOWN): _l("Not known (erased before this was kept)"),
    ("police", Also.YES): _l("Also reported to the police"),
    ("police", Also.NO): _l("Not reported to the police"),
    ("police", Also.NOT_KNOWN): _l("Not known (erased before this was kept)"),
}

TITLES = {
    "acknowledgement": _l("Acknowledgement of receipt"),
    "feedback": _l("Feedback to the reporter"),
    "age": _l("Open cases by age"),
    "urgency": _l("Urgent cases (next deadline past or within 7 days)"),
    "outcome": _l("Outcomes"),
    "exerted_by": _l("Who exerted the pressure"),
    "incident_system": _l("Also reported to the employer's incident system"),
    "police": _l("Also reported to the police"),
}

OPEN_ROWS = (Age.UNDER_7_DAYS, Age.DAYS_7_30, Age.MONTHS_1_3, Age.OVER_3_MONTHS)
URGENT_ROWS = (Urgency.OVERDUE, Urgency.SOON)


def row_label(breakdown: str, row: Row) -> str:
    words = ROW_LABELS.get((breakdown, row))
    return str(words if words is not None else label(row))  # type: ignore[arg-type]


@dataclass(frozen=True)
class CountTable:
    """One breakdown per period, as shown: None where suppressed. ``totals`` are the reports
    received per period as the statistics page publishes them."""

    name: str
    title: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: tuple[tuple[int | None, ...], ...]
    totals: tuple[int | None, ...]

    def column(self, j: int) -> list[int | None]:
        return [line[j] for line in self.cells]


@dataclass(frozen=True)
class Durations:
    """Median days and the share in time per period; None where computed from too few cases."""

    medians: tuple[float | None, ...]
    in_time: tuple[float | None, ...]


@dataclass(frozen=True)
class Handling:
    filter: StatsFilter
    threshold: int
    columns: tuple[str, ...]
    tables: dict[str, CountTable]
    acknowledgement: Durations
    feedback: Durations
    open_cases: tuple[int | None, ...]
    urgent: tuple[int | None, ...]
    incident_share: tuple[float | None, ...]
    police_share: tuple[float | None, ...]


def _grids(counted: ByMonth, f: StatsFilter) -> dict[str, list[list[int]]]:
    """Exact counts per breakdown, row and period (the filter's kind only)."""
    column, n = stats.column_of_month(f), len(f.periods)
    grids = {b.name: [[0] * n for _ in b.rows] for b in BREAKDOWNS}
    positions = {b.name: {row: i for i, row in enumerate(b.rows)} for b in BREAKDOWNS}
    for (month, kind), counts in counted.items():
        if f.kind is not None and kind != f.kind:
            continue
        for (name, row), (number, _keys) in counts.items():
            grids[name][positions[name][row]][column[month]] += number
    return grids


def _suppressed(
    breakdown: Breakdown,
    grid: list[list[int]],
    totals: Sequence[int | None],
    columns: tuple[str, ...],
    threshold: int,
) -> CountTable:
    shown_columns = []
    for j, total in enumerate(totals):
        counts = [line[j] for line in grid]
        # The same reports as the statistics page's total; were a report received between the two
        # statements, the known sum would be wrong, so nothing of that period is shown.
        consistent = total is not None and sum(counts) == total
        shown_columns.append(figures.published_column(counts, consistent, threshold))
    return CountTable(
        name=breakdown.name,
        title=str(TITLES[breakdown.name]),
        rows=tuple(row_label(breakdown.name, row) for row in breakdown.rows),
        columns=columns,
        cells=tuple(tuple(column[i] for column in shown_columns) for i in range(len(breakdown.rows))),
        totals=tuple(totals),
    )


def _durations(
    grid: list[list[int]], counted: handling_query.Durations, f: StatsFilter, threshold: int
) -> Durations:
    """Medians from the counted days, shares from the breakdown's in-time and late rows."""
    column = stats.column_of_month(f)
    per_column: list[dict[int, int]] = [{} for _ in f.periods]
    for month, days in counted.items():
        target = per_column[column[month]]
        for value, number in days.items():
            target[value] = target.get(value, 0) + number
    in_time, late = (
        grid[list(Timeliness).index(Timeliness.IN_TIME)],
        grid[list(Timeliness).index(Timeliness.LATE)],
    )
    medians, shares = [], []
    for j, days in enumerate(per_column):
        done = in_time[j] + late[j]
        shown = figures.enough(done, threshold)
        medians.append(figures.median(days) if shown else None)
        shares.append(figures.share(in_time[j], done) if shown else None)
    return Durations(tuple(medians), tuple(shares))


def _flag_share(table: CountTable, threshold: int) -> tuple[float | None, ...]:
    """Of the reports where it is known, the share also reported: only where both figures are
    published and there are at least ``threshold`` of them."""
    yes, no = list(Also).index(Also.YES), list(Also).index(Also.NO)
    shares: list[float | None] = []
    for j in range(len(table.columns)):
        column = table.column(j)
        reported, not_reported = column[yes], column[no]
        if reported is None or not_reported is None or not figures.enough(reported + not_reported, threshold):
            shares.append(None)
        else:
            shares.append(figures.share(reported, reported + not_reported))
    return tuple(shares)


def _sums(table: CountTable, rows: Sequence[Row]) -> tuple[int | None, ...]:
    positions = [BREAKDOWN[table.name].rows.index(row) for row in rows]
    return tuple(
        figures.derived_sum(table.column(j), positions, table.totals[j]) for j in range(len(table.columns))
    )


BREAKDOWN = {b.name: b for b in BREAKDOWNS}


def build(db: Session, f: StatsFilter, threshold: int, today: dt.date) -> Handling:
    """The exact handling figures for the page, suppressed (see ``figures``)."""
    totals = stats.build(db, f, threshold).by_category.column_totals
    columns = tuple(label for label, _months in stats.period_columns(f))
    grids = _grids(handling_query.count(db, f, today, keyed=False), f)
    tables = {b.name: _suppressed(b, grids[b.name], totals, columns, threshold) for b in BREAKDOWNS}
    to_acknowledgement, to_feedback = handling_query.durations(db, f)
    return Handling(
        filter=f,
        threshold=threshold,
        columns=columns,
        tables=tables,
        acknowledgement=_durations(grids["acknowledgement"], to_acknowledgement, f, threshold),
        feedback=_durations(grids["feedback"], to_feedback, f, threshold),
        open_cases=_sums(tables["age"], OPEN_ROWS),
        urgent=_sums(tables["urgency"], URGENT_ROWS),
        incident_share=_flag_share(tables["incident_system"], threshold),
        police_share=_flag_share(tables["police"], threshold),
    )


@dataclass(frozen=True)
class PublishedHandling:
    """The breakdowns for export, every figure a sum of perturbed units; shares of those sums."""

    filter: StatsFilter
    threshold: int
    tables: dict[str, PerturbedTable]

    def shares(self, name: str, part: Row, rest: Row) -> list[float | None]:
        """Per period, ``part`` of ``part`` and ``rest`` together (perturbed figures both)."""
        table = self.tables[name]
        rows = BREAKDOWN[name].rows
        a, b = table.cells[rows.index(part)], table.cells[rows.index(rest)]
        return [figures.share(x, x + y) for x, y in zip(a, b, strict=True)]


def publish(db: Session, f: StatsFilter, threshold: int, today: dt.date) -> PublishedHandling:
    """Every (month, kind, row) of every breakdown perturbed as a unit of its own, then added up
    into tables, as ``service.publish`` does for categories and areas."""
    counted = handling_query.count(db, f, today, keyed=True)
    columns = stats.period_columns(f)
    kinds = [f.kind] if f.kind is not None else list(Kind)
    tables = {}
    for breakdown in BREAKDOWNS:
        units: dict[UnitKey, tuple[int, int]] = {
            (month, kind, row): counts[(breakdown.name, row)]
            for (month, kind), counts in counted.items()
            for row in breakdown.rows
        }
        tables[breakdown.name] = cell_key.table(
            cell_key.perturbed_units(units, threshold),
            breakdown.rows,
            [row_label(breakdown.name, row) for row in breakdown.rows],
            columns,
            kinds,
        )
    return PublishedHandling(f, threshold, tables)
