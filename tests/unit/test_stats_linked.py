"""Two breakdowns of the same reports (category × period, area × period) suppressed together.

The judge here is independent of the network model: plain search over every pair of non-negative
tables that agree with everything both tables publish and count the same reports in each period.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence

import pytest

from portal.moderation.stats.linked import recoverable_linked, suppress_linked
from portal.moderation.stats.suppression import SuppressedTable, recoverable, suppress

Grid = list[list[int]]
Cell = tuple[int, int, int]  # (table 0 or 1, row, column)


def _figures(grid: Sequence[Sequence[int]]) -> list[int]:
    """Row totals, column totals and the grand total of one table, in that order."""
    columns = [sum(line[j] for line in grid) for j in range(len(grid[0]))]
    return [*(sum(line) for line in grid), *columns, sum(columns)]


def _published(table: SuppressedTable) -> list[int | None]:
    return [*table.row_totals, *table.column_totals, table.total]


def _pinned_by_search(
    tables: tuple[SuppressedTable, SuppressedTable], truth: tuple[Grid, Grid]
) -> list[Cell]:
    """Hidden cells that take one value only. Each tries truth ± 1: a free cell moves by one unit along
    some cycle, which changes every other figure by at most one, so a wider search finds nothing new."""
    hidden = [
        (t, i, j)
        for t, table in enumerate(tables)
        for i, line in enumerate(table.cells)
        for j, value in enumerate(line)
        if value is None
    ]
    seen: dict[Cell, set[int]] = {cell: set() for cell in hidden}
    grids = ([line[:] for line in truth[0]], [line[:] for line in truth[1]])
    ranges = [range(max(0, truth[t][i][j] - 1), truth[t][i][j] + 2) for t, i, j in hidden]
    for values in itertools.product(*ranges):
        for (t, i, j), value in zip(hidden, values, strict=True):
            grids[t][i][j] = value
        first, second = _figures(grids[0]), _figures(grids[1])
        n_rows = (len(grids[0]), len(grids[1]))
        if first[n_rows[0] :] != second[n_rows[1] :]:
            continue  # the two tables must count the same reports per column
        if all(
            shown is None or shown == actual
            for table, figures in zip(tables, (first, second), strict=True)
            for shown, actual in zip(_published(table), figures, strict=True)
        ):
            for cell, value in zip(hidden, values, strict=True):
                seen[cell].add(value)
    return [cell for cell in hidden if len(seen[cell]) < 2]


def _random_pair(rng: random.Random, choices: Sequence[int]) -> tuple[Grid, Grid]:
    """Two tables over the same columns with equal column sums: areas re-split each column's reports."""
    n_cols = rng.randint(1, 3)
    first = [[rng.choice(choices) for _ in range(n_cols)] for _ in range(rng.randint(1, 2))]
    second = [[0] * n_cols for _ in range(rng.randint(1, 2))]
    for j in range(n_cols):
        for _ in range(sum(line[j] for line in first)):
            second[rng.randrange(len(second))][j] += 1
    return first, second


def _names(prefix: str, n: int) -> list[str]:
    return [f"{prefix} {k}" for k in range(n)]


def _linked(first: Grid, second: Grid, threshold: int = 5) -> tuple[SuppressedTable, SuppressedTable]:
    return suppress_linked(
        _names("category", len(first)),
        _names("area", len(second)),
        _names("month", len(first[0])),
        first,
        second,
        threshold,
    )


def _as_cells(found: tuple[list[tuple[int, int]], list[tuple[int, int]]]) -> list[Cell]:
    return [(t, i, j) for t, cells in enumerate(found) for i, j in cells]


# Crafted (months January to March): suppressed on its own, the category table hides the February and
# March totals and publishes January's (8) and the grand total (18); the area table, on its own,
# publishes February's (9). So March had 18 - 8 - 9 = 1 report, and as the category table shows 0 for
# March in its first row, the hidden 1 in its second row is given away (and the area table's 1 with it).
FIRST = [[0, 3, 0], [8, 6, 1]]
SECOND = [[4, 5, 0], [4, 4, 1]]


def test_tables_suppressed_one_at_a_time_leak_through_the_shared_totals() -> None:
    alone = (
        suppress(_names("category", 2), _names("month", 3), FIRST),
        suppress(_names("area", 2), _names("month", 3), SECOND),
    )
    assert recoverable(alone[0], FIRST) == [] and recoverable(alone[1], SECOND) == []
    assert alone[0].column_totals == (8, None, None) and alone[1].column_totals == (None, 9, None)
    # Each is safe alone; together they are not.
    assert _pinned_by_search(alone, (FIRST, SECOND)) == [(0, 1, 2), (1, 1, 2)]
    assert recoverable_linked(*alone, FIRST, SECOND) == ([(1, 2)], [(1, 2)])


def test_linked_suppression_closes_the_leak() -> None:
    tables = _linked(FIRST, SECOND)
    assert tables[0].column_totals == tables[1].column_totals and tables[0].total == tables[1].total
    assert tables[0].cells[1][2] is None and tables[1].cells[1][2] is None
    assert _pinned_by_search(tables, (FIRST, SECOND)) == []
    assert recoverable_linked(*tables, FIRST, SECOND) == ([], [])


@pytest.mark.parametrize("seed", range(40))
def test_small_linked_tables_survive_search(seed: int) -> None:
    rng = random.Random(seed)
    first, second = _random_pair(rng, [0, 0, 1, 2, 3, 4, 5, 6, 9])
    tables = _linked(first, second)
    for table, grid in zip(tables, (first, second), strict=True):
        for line, shown_line in zip(grid, table.cells, strict=True):
            for value, shown in zip(line, shown_line, strict=True):
                assert shown in (None, value)
                assert not 0 < value < 5 or shown is None
        assert recoverable(table, grid) == []
    assert _pinned_by_search(tables, (first, second)) == []
    assert recoverable_linked(*tables, first, second) == ([], [])


@pytest.mark.parametrize("seed", range(30))
def test_recoverable_linked_agrees_with_search(seed: int) -> None:
    # Random masks, most of them leaky: the network model must name exactly what the search pins.
    rng = random.Random(500 + seed)
    first, second = _random_pair(rng, [0, 1, 2, 3, 6])

    shared = [None if rng.random() < 0.3 else v for v in _figures(first)[len(first) :]]

    def masked(grid: Grid, rows: str) -> SuppressedTable:
        return SuppressedTable(
            rows=tuple(_names(rows, len(grid))),
            columns=tuple(_names("month", len(grid[0]))),
            cells=tuple(tuple(None if rng.random() < 0.5 else v for v in line) for line in grid),
            row_totals=tuple(None if rng.random() < 0.3 else v for v in _figures(grid)[: len(grid)]),
            column_totals=tuple(shared[:-1]),
            total=shared[-1],
        )

    tables = (masked(first, "category"), masked(second, "area"))
    assert _as_cells(recoverable_linked(*tables, first, second)) == _pinned_by_search(tables, (first, second))


def test_a_larger_pair_is_safe_and_deterministic() -> None:
    rng = random.Random(3)
    months = 12
    first = [[rng.choice([0, 0, 1, 2, 3, 4, 6, 9, 15]) for _ in range(months)] for _ in range(12)]
    second = [[0] * months for _ in range(8)]
    for j in range(months):
        for _ in range(sum(line[j] for line in first)):
            second[rng.randrange(8)][j] += 1
    tables = _linked(first, second)
    assert recoverable_linked(*tables, first, second) == ([], [])
    assert tables == _linked(first, second)


def test_tables_counting_different_reports_are_refused() -> None:
    with pytest.raises(ValueError, match="same reports"):
        _linked([[5, 6]], [[5, 7]])
