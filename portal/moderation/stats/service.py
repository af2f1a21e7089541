"""The statistics management lacks today (DESIGN.md §4): reports by category and by area of work,
per month, quarter or year, with small counts suppressed.

Metadata only: one GROUP BY over plain columns, nothing is decrypted. Reports count on the date they
were received (``created_on``, a date without a time of day); an erased case counts on the month it
was received, from the row it left (``ErasedCase``), so last year's figures do not shrink. The two tables share their period totals,
so they are suppressed together (``linked``), never one at a time.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import CompoundSelect, func, select, union_all
from sqlalchemy.orm import Session

from ... import audit
from ...audit import Event
from ...domain import Area, Category, Kind, label
from ...models import ErasedCase, Report, User
from . import cell_key, months
from .cell_key import KeyedRow, PerturbedTable
from .linked import suppress_linked
from .suppression import SuppressedTable

# More columns make a table nobody reads, and suppression's cost grows with the table (about 30 ms at
# 13 × 36 with many small cells, 150 ms at 13 × 60).
MAX_PERIODS = 36
DEFAULT_MONTHS = 12


class Period(enum.StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


# Months per period: a period starts in a month that is a multiple of this, counted from January.
_MONTHS = {Period.MONTH: 1, Period.QUARTER: 3, Period.YEAR: 12}


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def period_start(month: dt.date, period: Period) -> dt.date:
    """The first month of the period that ``month`` falls in."""
    return month.replace(month=(month.month - 1) // _MONTHS[period] * _MONTHS[period] + 1, day=1)


@dataclass(frozen=True)
class StatsFilter:
    """Whole periods from the one holding ``first_month`` to the one holding ``last_month``."""

    period: Period
    first_month: dt.date  # the first day of a month
    last_month: dt.date
    kind: Kind | None = None

    @property
    def periods(self) -> list[dt.date]:
        """The first day of every period shown, oldest first."""
        step = _MONTHS[self.period]
        current, last = period_start(self.first_month, self.period), self.last_month
        starts = []
        while current <= last:
            starts.append(current)
            current = add_months(current, step)
        return starts

    @property
    def start(self) -> dt.date:
        return period_start(self.first_month, self.period)

    @property
    def end(self) -> dt.date:
        """The day after the last period: the range is ``start <= created_on < end``."""
        return add_months(period_start(self.last_month, self.period), _MONTHS[self.period])

    def describe(self) -> str:
        """For file names and the audit log: period, first and last month, kind."""
        last = add_months(self.end, -1)
        parts = [
            self.period.value,
            f"{self.start:%Y-%m}",
            f"{last:%Y-%m}",
            self.kind.value if self.kind else "all",
        ]
        return "_".join(parts)


def default_months(today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last of the twelve months up to and including the month still running: the
    page's exact tables are for moderators, who want to see this month's reports too. What leaves
    the portal stops at the last complete period (``published_range``)."""
    last = month_start(today)
    return add_months(last, 1 - DEFAULT_MONTHS), last


def published_range(f: StatsFilter, today: dt.date) -> StatsFilter | None:
    """The filter cut to its complete periods, for what leaves the portal; None if none is complete.

    A period still running changes with every report received, and each change is a new
    observation of its cells (``cell_key``): exports a day apart could then be compared to learn
    that a report of one category came in on a given day. Complete periods never change."""
    running = month_start(today)
    last = f.last_month
    while add_months(period_start(last, f.period), _MONTHS[f.period]) > running:
        last = add_months(period_start(last, f.period), -1)
    if last < f.first_month:
        return None
    return StatsFilter(f.period, f.first_month, last, f.kind)


@dataclass(frozen=True)
class Statistics:
    filter: StatsFilter
    by_category: SuppressedTable  # its columns (the periods) and column totals are by_area's too
    by_area: SuppressedTable


def period_label(start: dt.date, period: Period) -> str:
    if period is Period.MONTH:
        return f"{start:%Y-%m}"
    if period is Period.QUARTER:
        return str(_("%(year)d Q%(quarter)d", year=start.year, quarter=(start.month - 1) // 3 + 1))
    return str(start.year)


CountRow = tuple[dt.date, Category | None, Area | None, int]


def count(db: Session, f: StatsFilter) -> list[CountRow]:
    """Reports per (month, category, area) in the range, erased cases' figures (``ErasedCase``)
    included: one indexed range scan of each table, grouped in the database.

    Grouped by ``months.month`` (the date's first seven characters on SQLite); a month may come
    twice (live and erased), and months are folded into quarters and years here, which costs nothing
    next to the scan.
    """
    live, erased = months.month(Report.created_on), months.month(ErasedCase.month)
    reports = select(live, Report.category, Report.area, func.count()).where(
        Report.created_on >= f.start, Report.created_on < f.end
    )
    figures = select(erased, ErasedCase.category, ErasedCase.area, func.count()).where(
        ErasedCase.month >= f.start, ErasedCase.month < f.end
    )
    if f.kind is not None:
        reports = reports.where(Report.kind == f.kind)
        figures = figures.where(ErasedCase.kind == f.kind)
    query = union_all(
        reports.group_by(live, Report.category, Report.area),
        figures.group_by(erased, ErasedCase.category, ErasedCase.area),
    )
    return [
        (months.first_day(month_text), category, area, number)
        for month_text, category, area, number in db.execute(query)
    ]


def _grid(
    keys: Sequence[enum.StrEnum | None],
    rows: list[CountRow],
    key: Callable[[CountRow], enum.StrEnum | None],
    column: dict[dt.date, int],
    n_columns: int,
) -> list[list[int]]:
    """Counts per (row key, column); ``column`` maps each month to the period it belongs to."""
    grid = [[0] * n_columns for _ in keys]
    position = {k: i for i, k in enumerate(keys)}
    for row in rows:
        grid[position[key(row)]][column[row[0]]] += row[3]
    return grid


def period_columns(f: StatsFilter) -> list[tuple[str, list[dt.date]]]:
    """Every period shown: its label and the first days of the months it covers."""
    return [
        (period_label(start, f.period), [add_months(start, k) for k in range(_MONTHS[f.period])])
        for start in f.periods
    ]


def column_of_month(f: StatsFilter) -> dict[dt.date, int]:
    """The column (period) each month of the range falls in."""
    return {month: j for j, (_label, months_) in enumerate(period_columns(f)) for month in months_}


def build(db: Session, f: StatsFilter, threshold: int) -> Statistics:
    """Both tables for the filter, suppressed together; row and column labels in the page's language."""
    periods = f.periods
    column = column_of_month(f)
    rows = count(db, f)
    categories: list[Category | None] = [*Category, None]
    areas: list[Area | None] = [*Area, None]
    not_given = str(_("Not given"))
    by_category, by_area = suppress_linked(
        [str(label(c)) if c else not_given for c in categories],
        [str(label(a)) if a else not_given for a in areas],
        [period_label(start, f.period) for start in periods],
        _grid(categories, rows, lambda row: row[1], column, len(periods)),
        _grid(areas, rows, lambda row: row[2], column, len(periods)),
        threshold,
    )
    return Statistics(f, by_category, by_area)


@dataclass(frozen=True)
class Published:
    """Both tables for export: perturbed by cell key (``cell_key``), safe to pass on."""

    filter: StatsFilter
    by_category: PerturbedTable
    by_area: PerturbedTable
    threshold: int


# (month, kind, category, area, reports, sum of their record keys)
KeyedSelect = CompoundSelect[str, Kind, Category | None, Area | None, int, int]


def keyed_query(f: StatsFilter) -> KeyedSelect:
    """Reports and the sum of their record keys per (month, kind, category, area) in the range,
    and the same of the erased cases' figures, which keep their record keys: a unit's published
    figure does not change when its cases are erased. One GROUP BY of each table, read from its
    statistics index alone; a unit may come in two rows (``cell_key.units`` adds them)."""
    live, erased = months.month(Report.created_on), months.month(ErasedCase.month)
    return union_all(
        select(live, Report.kind, Report.category, Report.area, func.count(), func.sum(Report.record_key))
        .where(Report.created_on >= f.start, Report.created_on < f.end)
        .group_by(live, Report.kind, Report.category, Report.area),
        select(
            erased,
            ErasedCase.kind,
            ErasedCase.category,
            ErasedCase.area,
            func.count(),
            func.sum(ErasedCase.record_key),
        )
        .where(ErasedCase.month >= f.start, ErasedCase.month < f.end)
        .group_by(erased, ErasedCase.kind, ErasedCase.category, ErasedCase.area),
    )


def keyed_row(
    month_text: str, kind: Kind, category: Category | None, area: Area | None, number: int, keys: int
) -> KeyedRow:
    return KeyedRow(months.first_day(month_text), kind, category, area, number, int(keys))


def count_keyed(db: Session, f: StatsFilter) -> list[KeyedRow]:
    """The organisation's counted rows (``keyed_query``). The kind filter is applied after
    perturbing (``build_published``), so that a kind's units are the same whether or not the other
    kind is asked for."""
    return [keyed_row(*row) for row in db.execute(keyed_query(f))]


def publish(groups: Sequence[list[KeyedRow]], f: StatsFilter, threshold: int) -> Published:
    """Both tables from counted rows, one list per organisation (one for an organisation's own
    tables, several pooled: ``cell_key.pooled_units``)."""
    return publish_units(
        cell_key.pooled_units(groups, False, threshold),
        cell_key.pooled_units(groups, True, threshold),
        f,
        threshold,
    )


def publish_units(
    by_category: cell_key.Units, by_area: cell_key.Units, f: StatsFilter, threshold: int
) -> Published:
    """Both tables from published units, wherever they were perturbed (here or in the database)."""
    columns = period_columns(f)
    kinds = [f.kind] if f.kind is not None else list(Kind)
    categories: list[Category | None] = [*Category, None]
    areas: list[Area | None] = [*Area, None]
    not_given = str(_("Not given"))
    tables = [
        cell_key.table(units, keys, [str(label(k)) if k else not_given for k in keys], columns, kinds)
        for units, keys in ((by_category, categories), (by_area, areas))
    ]
    return Published(f, tables[0], tables[1], threshold)


def build_published(db: Session, f: StatsFilter, threshold: int) -> Published:
    return publish([count_keyed(db, f)], f, threshold)


def record_export(db: Session, f: StatsFilter, user: User) -> None:
    """Figures that leave the portal: who took which table, and when (the audit log)."""
    audit.record(db, Event.STATS_EXPORTED, user, f.describe())
