"""Two tables that share their column totals, suppressed together.

The statistics page breaks the same reports down twice by period: by category and by area of work. Both
tables publish the reports per period and the grand total, so suppressing them one at a time is not
enough: a period total hidden in one table to protect a small cell could be read off the other.

Both tables together are still one circulation (see ``suppression``), a chain through the periods::

    S --category total--> category --cell--> period in --period total--> period out --cell--> area
    area --area total--> T --grand total--> S

Conservation at "period in" says the category cells of a period add up to its total, at "period out"
that the area cells do, so a reader's equations of both tables are exactly this network's, and the
suppression steps and checks of ``suppression`` apply unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .disclosure import pinned
from .suppression import DEFAULT_THRESHOLD, SuppressedTable, protect

# Nodes of the chain (see the module docstring); categories, periods in, periods out and areas follow.
_S = 0
_T = 1

Counts = Sequence[Sequence[int]]


@dataclass(frozen=True)
class _LinkedLayout:
    """Items: first-table cells row by row, second-table cells row by row, first-table row totals,
    second-table row totals, the shared column totals, the grand total last."""

    n_first: int  # rows of the first table (categories)
    n_second: int  # rows of the second table (areas)
    n_cols: int  # the shared columns (periods)

    @property
    def n_first_cells(self) -> int:
        return self.n_first * self.n_cols

    @property
    def n_cells(self) -> int:
        return (self.n_first + self.n_second) * self.n_cols

    @property
    def size(self) -> int:
        return self.n_cells + self.n_first + self.n_second + self.n_cols + 1

    @property
    def n_nodes(self) -> int:
        return 2 + self.n_first + 2 * self.n_cols + self.n_second

    def first_cell(self, i: int, j: int) -> int:
        return i * self.n_cols + j

    def second_cell(self, k: int, j: int) -> int:
        return self.n_first_cells + k * self.n_cols + j

    def first_total(self, i: int) -> int:
        return self.n_cells + i

    def second_total(self, k: int) -> int:
        return self.n_cells + self.n_first + k

    def column_total(self, j: int) -> int:
        return self.n_cells + self.n_first + self.n_second + j

    def _first_node(self, i: int) -> int:
        return 2 + i

    def _period_in(self, j: int) -> int:
        return 2 + self.n_first + j

    def _period_out(self, j: int) -> int:
        return 2 + self.n_first + self.n_cols + j

    def _second_node(self, k: int) -> int:
        return 2 + self.n_first + 2 * self.n_cols + k

    def ends(self, item: int) -> tuple[int, int]:
        if item < self.n_first_cells:
            i, j = divmod(item, self.n_cols)
            return self._first_node(i), self._period_in(j)
        if item < self.n_cells:
            k, j = divmod(item - self.n_first_cells, self.n_cols)
            return self._period_out(j), self._second_node(k)
        if item < self.second_total(0):
            return _S, self._first_node(item - self.n_cells)
        if item < self.column_total(0):
            return self._second_node(item - self.second_total(0)), _T
        if item < self.size - 1:
            j = item - self.column_total(0)
            return self._period_in(j), self._period_out(j)
        return _T, _S

    def lines(self) -> list[tuple[list[int], int]]:
        """(cells, total) of every first-table row and column, then of every second-table one."""
        cols = range(self.n_cols)
        return [
            *(([self.first_cell(i, j) for j in cols], self.first_total(i)) for i in range(self.n_first)),
            *(([self.first_cell(i, j) for i in range(self.n_first)], self.column_total(j)) for j in cols),
            *(([self.second_cell(k, j) for j in cols], self.second_total(k)) for k in range(self.n_second)),
            *(([self.second_cell(k, j) for k in range(self.n_second)], self.column_total(j)) for j in cols),
        ]

    def crossing(self, line: int, item: int) -> int:
        first_lines = self.n_first + self.n_cols
        if item < self.n_first_cells:
            i, j = divmod(item, self.n_cols)
            return self.n_first + j if line < self.n_first else i
        k, j = divmod(item - self.n_first_cells, self.n_cols)
        return first_lines + (self.n_second + j if line < first_lines + self.n_second else k)

    def values(self, first: Counts, second: Counts) -> list[int]:
        """Every item's value; both tables must count the same total in every column."""
        for counts, n_rows in ((first, self.n_first), (second, self.n_second)):
            if len(counts) != n_rows or any(len(line) != self.n_cols for line in counts):
                raise ValueError(f"counts must be {n_rows} rows of {self.n_cols} numbers")
            if any(not isinstance(value, int) or value < 0 for line in counts for value in line):
                raise ValueError("counts must be non-negative integers")
        columns = [sum(line[j] for line in first) for j in range(self.n_cols)]
        if columns != [sum(line[j] for line in second) for j in range(self.n_cols)]:
            raise ValueError("both tables must count the same reports in every column")
        return [
            *(value for line in first for value in line),
            *(value for line in second for value in line),
            *(sum(line) for line in first),
            *(sum(line) for line in second),
            *columns,
            sum(columns),
        ]


def suppress_linked(
    first_rows: Sequence[str],
    second_rows: Sequence[str],
    columns: Sequence[str],
    first: Counts,
    second: Counts,
    threshold: int = DEFAULT_THRESHOLD,
) -> tuple[SuppressedTable, SuppressedTable]:
    """Both tables, suppressed so that nothing hidden can be worked out from either or both together.

    A shared figure (column total, grand total) is hidden in both tables or in neither.
    """
    layout = _LinkedLayout(len(first_rows), len(second_rows), len(columns))
    values = layout.values(first, second)
    hidden = protect(layout, values, threshold)

    def shown(item: int) -> int | None:
        return None if item in hidden else values[item]

    def table(
        rows: Sequence[str], cell: Callable[[int, int], int], total: Callable[[int], int]
    ) -> SuppressedTable:
        return SuppressedTable(
            rows=tuple(rows),
            columns=tuple(columns),
            cells=tuple(tuple(shown(cell(i, j)) for j in range(len(columns))) for i in range(len(rows))),
            row_totals=tuple(shown(total(i)) for i in range(len(rows))),
            column_totals=tuple(shown(layout.column_total(j)) for j in range(len(columns))),
            total=shown(layout.size - 1),
            threshold=threshold,
        )

    return (
        table(first_rows, layout.first_cell, layout.first_total),
        table(second_rows, layout.second_cell, layout.second_total),
    )


def recoverable_linked(
    first_table: SuppressedTable, second_table: SuppressedTable, first: Counts, second: Counts
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Suppressed cells of each table whose value a reader of *both* tables can work out (see
    ``suppression.recoverable``). A shared figure counts as published if either table shows it.
    """
    if first_table.columns != second_table.columns:
        raise ValueError("the tables must share their columns")
    layout = _LinkedLayout(len(first_table.rows), len(second_table.rows), len(first_table.columns))
    values = layout.values(first, second)
    shown: dict[int, int | None] = {}
    for table, cell in ((first_table, layout.first_cell), (second_table, layout.second_cell)):
        for i, line in enumerate(table.cells):
            for j, value in enumerate(line):
                shown[cell(i, j)] = value
    for i, value in enumerate(first_table.row_totals):
        shown[layout.first_total(i)] = value
    for k, value in enumerate(second_table.row_totals):
        shown[layout.second_total(k)] = value
    pairs = zip(first_table.column_totals, second_table.column_totals, strict=True)
    for j, (a, b) in enumerate(pairs):
        shown[layout.column_total(j)] = a if a is not None else b
    shown[layout.size - 1] = first_table.total if first_table.total is not None else second_table.total
    if any(value is not None and value != values[item] for item, value in shown.items()):
        raise ValueError("the counts disagree with the published figures")
    hidden = {item for item, value in shown.items() if value is None}
    stuck = pinned(layout, values, hidden)
    split = layout.n_first_cells
    return (
        [divmod(item, layout.n_cols) for item in stuck if item < split],
        [divmod(item - split, layout.n_cols) for item in stuck if split <= item < layout.n_cells],
    )
