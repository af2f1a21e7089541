"""portal.moderation.stats.service without HTTP: what is counted where, and what is suppressed.

The suppression algorithm has its own tests (tests/unit/test_stats_suppression.py, test_stats_linked.py);
these pin the service around it: the range and its periods, the kind filter, the "not given" rows,
and that both tables come out suppressed together with nothing hidden recoverable.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from portal.domain import Area, Category, Kind
from portal.moderation.stats.linked import recoverable_linked
from portal.moderation.stats.service import (
    Period,
    StatsFilter,
    build,
    count,
    default_months,
    period_label,
    published_range,
)
from tests.unit.conftest import ReportFactory

D = dt.date
CATEGORIES: list[Category | None] = [*Category, None]  # the rows of the first table, in order
AREAS: list[Area | None] = [*Area, None]
FIRST_QUARTER = StatsFilter(Period.MONTH, D(2026, 1, 1), D(2026, 3, 1))

# (received on, category, area, how many): inside the first quarter of 2026, and just outside it.
REPORTS: list[tuple[dt.date, Category | None, Area | None, int]] = [
    (D(2025, 12, 31), Category.THREATS, Area.HOUSING, 1),
    (D(2026, 1, 1), Category.THREATS, Area.HOUSING, 4),
    (D(2026, 1, 31), Category.THREATS, Area.HOUSING, 6),
    (D(2026, 1, 14), Category.BRIBERY, Area.SCHOOLS, 2),
    (D(2026, 2, 2), Category.THREATS, Area.HOUSING, 12),
    (D(2026, 2, 27), Category.BRIBERY, Area.HOUSING, 8),
    (D(2026, 2, 9), None, Area.SCHOOLS, 6),
    (D(2026, 3, 31), Category.THREATS, Area.SCHOOLS, 9),
    (D(2026, 4, 1), Category.THREATS, Area.SCHOOLS, 1),
]


@pytest.fixture
def reports(new_report: ReportFactory) -> None:
    for day, category, area, number in REPORTS:
        for _ in range(number):
            new_report(created_on=day, category=category, area=area)


def _grid(rows: list[Category | None] | list[Area | None], cells: dict[object, list[int]]) -> list[list[int]]:
    return [cells.get(row, [0, 0, 0]) for row in rows]


BY_CATEGORY = _grid(CATEGORIES, {Category.THREATS: [10, 12, 9], Category.BRIBERY: [2, 8, 0], None: [0, 6, 0]})
BY_AREA = _grid(AREAS, {Area.HOUSING: [10, 20, 0], Area.SCHOOLS: [2, 6, 9]})


@pytest.mark.usefixtures("reports")
def test_reports_count_by_the_month_they_were_received_inside_the_range(db: Session) -> None:
    counted = {(month, category, area): number for month, category, area, number in count(db, FIRST_QUARTER)}
    assert counted == {
        (D(2026, 1, 1), Category.THREATS, Area.HOUSING): 10,
        (D(2026, 1, 1), Category.BRIBERY, Area.SCHOOLS): 2,
        (D(2026, 2, 1), Category.THREATS, Area.HOUSING): 12,
        (D(2026, 2, 1), Category.BRIBERY, Area.HOUSING): 8,
        (D(2026, 2, 1), None, Area.SCHOOLS): 6,
        (D(2026, 3, 1), Category.THREATS, Area.SCHOOLS): 9,
    }


def test_the_kind_filter_counts_one_kind_only(db: Session, new_report: ReportFactory) -> None:
    new_report(created_on=D(2026, 2, 3), kind=Kind.WHISTLEBLOWING, category=None, area=None)
    new_report(created_on=D(2026, 2, 3), kind=Kind.INFLUENCE, category=None, area=None)
    whistleblowing = StatsFilter(Period.MONTH, D(2026, 1, 1), D(2026, 3, 1), Kind.WHISTLEBLOWING)
    assert count(db, whistleblowing) == [(D(2026, 2, 1), None, None, 1)]
    assert count(db, FIRST_QUARTER) == [(D(2026, 2, 1), None, None, 2)]


def test_periods_are_whole_months_quarters_or_years() -> None:
    quarters = StatsFilter(Period.QUARTER, D(2026, 2, 1), D(2026, 5, 1))
    assert quarters.periods == [D(2026, 1, 1), D(2026, 4, 1)]
    assert (quarters.start, quarters.end) == (D(2026, 1, 1), D(2026, 7, 1))
    assert quarters.describe() == "quarter_2026-01_2026-06_all"
    years = StatsFilter(Period.YEAR, D(2025, 3, 1), D(2026, 2, 1), Kind.WHISTLEBLOWING)
    assert years.periods == [D(2025, 1, 1), D(2026, 1, 1)]
    assert (years.start, years.end) == (D(2025, 1, 1), D(2027, 1, 1))
    assert years.describe() == "year_2025-01_2026-12_whistleblowing"
    assert FIRST_QUARTER.periods == [D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1)]
    assert FIRST_QUARTER.end == D(2026, 4, 1)


@pytest.mark.parametrize("today", [D(2026, 3, 1), D(2026, 3, 15), D(2026, 3, 31)])
def test_the_default_range_is_twelve_months_with_the_one_still_running(today: dt.date) -> None:
    assert default_months(today) == (D(2025, 4, 1), D(2026, 3, 1))


@pytest.mark.parametrize(
    ("shown", "exported"),
    [
        # (period, first month, last month) on the page; what leaves the portal, on 15 March 2026.
        ((Period.MONTH, D(2025, 4, 1), D(2026, 3, 1)), (D(2025, 4, 1), D(2026, 2, 1))),
        ((Period.MONTH, D(2025, 1, 1), D(2025, 6, 1)), (D(2025, 1, 1), D(2025, 6, 1))),  # all complete
        ((Period.QUARTER, D(2025, 1, 1), D(2026, 3, 1)), (D(2025, 1, 1), D(2025, 12, 1))),  # Q1 runs
        ((Period.YEAR, D(2024, 1, 1), D(2026, 3, 1)), (D(2024, 1, 1), D(2025, 12, 1))),
        ((Period.MONTH, D(2026, 3, 1), D(2026, 3, 1)), None),  # only the month still running
        ((Period.QUARTER, D(2026, 2, 1), D(2026, 3, 1)), None),
    ],
)
def test_what_leaves_the_portal_stops_at_the_last_complete_period(
    shown: tuple[Period, dt.date, dt.date], exported: tuple[dt.date, dt.date] | None
) -> None:
    period, first, last = shown
    published = published_range(StatsFilter(period, first, last), D(2026, 3, 15))
    assert (None if published is None else (published.first_month, published.last_month)) == exported


@pytest.mark.usefixtures("db")  # an app context: the labels are translated (English outside a request)
def test_period_labels() -> None:
    assert period_label(D(2026, 3, 1), Period.MONTH) == "2026-03"
    assert period_label(D(2026, 4, 1), Period.QUARTER) == "2026 Q2"
    assert period_label(D(2026, 1, 1), Period.YEAR) == "2026"


@pytest.mark.usefixtures("reports")
def test_small_counts_and_their_partners_are_suppressed_in_both_tables_together(db: Session) -> None:
    stats = build(db, FIRST_QUARTER, 5)
    by_category, by_area = stats.by_category, stats.by_area
    assert by_category.columns == by_area.columns == ("2026-01", "2026-02", "2026-03")
    assert by_category.rows[-1] == by_area.rows[-1] == "Not given"
    assert (by_category.threshold, by_area.threshold) == (5, 5)
    assert by_category.cells[CATEGORIES.index(Category.BRIBERY)][0] is None  # the two bribery reports
    assert by_area.cells[AREAS.index(Area.SCHOOLS)][0] is None
    # Never hidden alone in its row or its column, where the total would give it away.
    assert sum(value is None for value in by_category.cells[CATEGORIES.index(Category.BRIBERY)]) >= 2
    assert sum(line[0] is None for line in by_category.cells) >= 2
    for table, truth in ((by_category, BY_CATEGORY), (by_area, BY_AREA)):
        for shown, line in zip(table.cells, truth, strict=True):
            assert all(value in (None, number) for value, number in zip(shown, line, strict=True))
        assert all(total in (None, sum(line)) for total, line in zip(table.row_totals, truth, strict=True))
    # A shared figure is hidden in both tables or in neither, and nothing hidden can be worked out.
    assert by_category.column_totals == by_area.column_totals
    assert by_category.total == by_area.total
    assert recoverable_linked(by_category, by_area, BY_CATEGORY, BY_AREA) == ([], [])


@pytest.mark.usefixtures("reports")
def test_zeros_are_published_nobody_reported_them(db: Session) -> None:
    stats = build(db, FIRST_QUARTER, 5)
    harassment = CATEGORIES.index(Category.HARASSMENT)
    assert stats.by_category.cells[harassment] == (0, 0, 0)
    assert stats.by_category.row_totals[harassment] == 0
    alcohol = AREAS.index(Area.ALCOHOL_LICENSING)
    assert stats.by_area.cells[alcohol] == (0, 0, 0)


@pytest.mark.usefixtures("reports")
def test_with_a_threshold_of_one_everything_is_published(db: Session) -> None:
    stats = build(db, FIRST_QUARTER, 1)
    assert [list(line) for line in stats.by_category.cells] == BY_CATEGORY
    assert [list(line) for line in stats.by_area.cells] == BY_AREA
    assert stats.by_category.column_totals == (12, 26, 9)
    assert stats.by_category.total == 47
