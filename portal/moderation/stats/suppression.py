"""Small-count suppression, with secondary suppression, for the moderators' statistics tables.

A count below the threshold can point at a reporter ("the one report about alcohol licensing in
March"), so it is never published, and neither is anything that would let a reader work it out again
from the published cells and totals.

Model. Every published figure is an *item*: the cells, the row totals, the column totals and the grand
total. The table equations (row cells sum to the row total, column cells to the column total, row
totals and column totals each sum to the grand total) are flow conservation in a small network::

    S --row total i--> row i --cell (i, j)--> column j --column total j--> Z --grand total--> S

so a table is a circulation on it, and the hidden items are the unknowns of the reader's equations.

Algorithm (``suppress``):

1. Primary: hide every item, cell or total, with ``0 < count < threshold``. Zeros are published: "nobody
   reported this" identifies no one, and hiding zeros would blank most of a sparse table.
2. Classic rule: a row or column equation with exactly one unknown gives that unknown away, so hide one
   more cell of that line: the smallest non-zero one, preferring a cell whose crossing line also needs
   a partner; a zero only when the line has nothing else (hidden zeros are weak, see below).
3. Verify and repair until clean: the checks of ``disclosure`` find every small item whose unit vector
   lies in the row space of the equations (exactly recoverable, Gaussian elimination over ``Fraction``)
   and, when none is, small items pinned by non-negativity (a flow check; possible only around hidden
   zeros, which can only go up).
   The first such item by position is put on a cycle of hidden items along which its value can move, by
   hiding the cheapest path of published items that closes one (Dijkstra; a published item costs its
   count, so small cells go first and totals, being sums, are naturally dear; zeros cost more than any
   zero-free path). Each round hides at least one item and hiding everything is safe, so it ends.
4. Complements that the published figures still pin down (typically a hidden zero in a row whose total
   is 0) are published again: they protect nothing. So every hidden item, small or not, can take at
   least two values in tables that agree with everything published.

Limits: the guarantee is that no hidden value is *uniquely* determined, also using non-negativity. It
is not an interval guarantee: a reader can still bound a hidden cell by linear programming, sometimes
tightly. ``suppress`` protects one table; two tables that share their column totals (two breakdowns of
the same reports by period) are protected together by ``linked``, which runs the same steps on a
larger circulation (any ``Network``). Publishing overlapping tables (by month and in total, or
cumulative figures over time) can be differenced, so these exact tables stay on the moderators' screen;
whatever leaves the portal is perturbed by ``cell_key`` instead.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from .disclosure import Circulation, linearly_determined, pinned, residual_arcs

DEFAULT_THRESHOLD = 5

# Graph nodes of the circulation (see the module docstring); rows and columns follow.
_S = 0
_Z = 1


@dataclass(frozen=True)
class SuppressedTable:
    """A table ready to publish: ``None`` marks a suppressed cell or total."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: tuple[tuple[int | None, ...], ...]
    row_totals: tuple[int | None, ...]
    column_totals: tuple[int | None, ...]
    total: int | None
    # Kept with the table so the published mark ("<5") cannot disagree with the rule that was applied.
    threshold: int = DEFAULT_THRESHOLD

    def __post_init__(self) -> None:
        if len(self.cells) != len(self.rows) or len(self.row_totals) != len(self.rows):
            raise ValueError("cells and row_totals need one entry per row")
        if len(self.column_totals) != len(self.columns) or any(
            len(line) != len(self.columns) for line in self.cells
        ):
            raise ValueError("every row of cells and column_totals need one entry per column")

    @property
    def suppressed_cells(self) -> tuple[tuple[int, int], ...]:
        """Positions (row, column) of the suppressed interior cells, row by row."""
        return tuple(
            (i, j) for i, line in enumerate(self.cells) for j, value in enumerate(line) if value is None
        )

    @property
    def suppressed_count(self) -> int:
        """Number of suppressed interior cells (totals not included)."""
        return len(self.suppressed_cells)


class Network(Circulation, Protocol):
    """A table's circulation (see ``disclosure``), with what the classic rule needs besides: ``lines``
    are the row/column equations as (cells, total); ``crossing`` is the other line through a cell."""

    @property
    def size(self) -> int: ...

    def lines(self) -> list[tuple[list[int], int]]: ...

    def crossing(self, line: int, item: int) -> int: ...


@dataclass(frozen=True)
class TableLayout:
    """Numbers the items: cells row by row, then row totals, column totals, grand total last."""

    n_rows: int
    n_cols: int

    @property
    def n_cells(self) -> int:
        return self.n_rows * self.n_cols

    @property
    def size(self) -> int:
        return self.n_cells + self.n_rows + self.n_cols + 1

    @property
    def n_nodes(self) -> int:
        return 2 + self.n_rows + self.n_cols

    def cell(self, i: int, j: int) -> int:
        return i * self.n_cols + j

    def row_total(self, i: int) -> int:
        return self.n_cells + i

    def column_total(self, j: int) -> int:
        return self.n_cells + self.n_rows + j

    def ends(self, item: int) -> tuple[int, int]:
        """The (tail, head) nodes of the item's edge in the circulation."""
        if item < self.n_cells:
            i, j = divmod(item, self.n_cols)
            return 2 + i, 2 + self.n_rows + j
        if item < self.n_cells + self.n_rows:
            return _S, 2 + item - self.n_cells
        if item < self.size - 1:
            return 2 + self.n_rows + item - self.n_cells - self.n_rows, _Z
        return _Z, _S

    def lines(self) -> list[tuple[list[int], int]]:
        """(cells, total) of every row, then of every column."""
        rows = [
            ([self.cell(i, j) for j in range(self.n_cols)], self.row_total(i)) for i in range(self.n_rows)
        ]
        cols = [
            ([self.cell(i, j) for i in range(self.n_rows)], self.column_total(j)) for j in range(self.n_cols)
        ]
        return rows + cols

    def crossing(self, line: int, item: int) -> int:
        """The other line through cell ``item``: its column if ``line`` is its row, else its row."""
        i, j = divmod(item, self.n_cols)
        return self.n_rows + j if line < self.n_rows else i

    def values(self, counts: Sequence[Sequence[int]]) -> list[int]:
        """Every item's value, checking the shape and that counts are non-negative integers."""
        if len(counts) != self.n_rows or any(len(line) != self.n_cols for line in counts):
            raise ValueError(f"counts must be {self.n_rows} rows of {self.n_cols} numbers")
        cells = [value for line in counts for value in line]
        if any(not isinstance(value, int) or value < 0 for value in cells):
            raise ValueError("counts must be non-negative integers")
        row_totals = [sum(line) for line in counts]
        col_totals = [sum(line[j] for line in counts) for j in range(self.n_cols)]
        return [*cells, *row_totals, *col_totals, sum(row_totals)]


def suppress(
    rows: Sequence[str],
    columns: Sequence[str],
    counts: Sequence[Sequence[int]],
    threshold: int = DEFAULT_THRESHOLD,
) -> SuppressedTable:
    """Suppress small counts and enough other figures that none of them can be worked out again."""
    layout = TableLayout(len(rows), len(columns))
    values = layout.values(counts)
    return _publish(rows, columns, threshold, layout, values, protect(layout, values, threshold))


def protect(network: Network, values: list[int], threshold: int) -> set[int]:
    """The items to hide: steps 1 to 4 of the module docstring, on any table network."""
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    primary = {item for item, value in enumerate(values) if 0 < value < threshold}
    hidden = set(primary)
    _classic_rule(network, values, hidden)
    while problems := _exposed(network, values, hidden, primary):
        cover = _cheapest_cover(network, values, hidden, problems[0])
        if not cover:  # the two checks would disagree: fail loudly rather than loop forever
            raise RuntimeError(f"item {problems[0]} is determined but already lies on a free cycle")
        hidden.update(cover)
    # A complement whose value the published figures already imply protects nothing, so show it. Fixing
    # a value that is the same in every consistent table leaves that set of tables, and so every other
    # item's freedom, unchanged. The primary items are all free by now; excluding them is belt and braces.
    hidden -= set(pinned(network, values, hidden)) - primary
    return hidden


def _exposed(layout: Network, values: list[int], hidden: set[int], primary: set[int]) -> list[int]:
    """Small items a reader can still work out: first by the equations alone, then with non-negativity."""
    determined = sorted(primary & linearly_determined(layout, hidden))
    return determined or [item for item in pinned(layout, values, hidden) if item in primary]


def recoverable(table: SuppressedTable, true_counts: Sequence[Sequence[int]]) -> list[tuple[int, int]]:
    """Suppressed cells whose value is the same in every non-negative table matching what is published.

    A different method from ``suppress``'s linear algebra (it shares only the flow check that ``suppress``
    uses as its non-negativity guard): a hidden value can differ iff a cycle of hidden items runs through
    it along which one unit can be pushed without taking any item below zero, which is a reachability
    question on the residual graph. The true counts supply the current flow, and are checked against the
    published figures, since a mismatch would make the answer meaningless. Hidden totals are checked by
    ``suppress`` in the same way but are not reported here.
    """
    layout = TableLayout(len(table.rows), len(table.columns))
    values = layout.values(true_counts)
    shown = [
        *(value for line in table.cells for value in line),
        *table.row_totals,
        *table.column_totals,
        table.total,
    ]
    if any(
        published is not None and published != value for published, value in zip(shown, values, strict=True)
    ):
        raise ValueError("true_counts disagree with the published figures")
    hidden = {item for item, published in enumerate(shown) if published is None}
    return [divmod(item, layout.n_cols) for item in pinned(layout, values, hidden) if item < layout.n_cells]


def to_csv_rows(
    table: SuppressedTable, suppressed_mark: str | None = None, total_label: str = "Total"
) -> list[list[str]]:
    """Header, one row per category ending in its total, and a total row; for ``csv.writer``.

    The mark defaults to ``"<{threshold}"``. It goes on complementary suppressions too, which may be
    larger: one mark for all keeps the primary (truly small) cells indistinguishable from their partners.
    """
    mark = f"<{table.threshold}" if suppressed_mark is None else suppressed_mark

    def show(values: Iterable[int | None]) -> list[str]:
        return [mark if value is None else str(value) for value in values]

    header = ["", *table.columns, total_label]
    body = [
        [label, *show(line), *show([line_total])]
        for label, line, line_total in zip(table.rows, table.cells, table.row_totals, strict=True)
    ]
    return [header, *body, [total_label, *show(table.column_totals), *show([table.total])]]


def _classic_rule(layout: Network, values: list[int], hidden: set[int]) -> None:
    """Give every row/column equation with a single unknown a second one, from its own cells."""
    lines = layout.lines()

    def unknowns(line: int) -> int:
        cells, total = lines[line]
        return sum(item in hidden for item in [*cells, total])

    changed = True
    while changed:
        changed = False
        for line, (cells, _total) in enumerate(lines):
            candidates = [item for item in cells if item not in hidden]
            if unknowns(line) != 1 or not candidates:
                continue  # a single-cell line can only be helped through totals: left to the repair loop
            hidden.add(
                min(
                    candidates,
                    key=lambda item: (
                        values[item] == 0,
                        unknowns(layout.crossing(line, item)) != 1,
                        values[item],
                        item,
                    ),
                )
            )
            changed = True


def _cheapest_cover(layout: Network, values: list[int], hidden: set[int], item: int) -> list[int]:
    """Published items to hide so that ``item`` lies on a residual cycle, i.e. its value can move."""
    # A zero costs more than any zero-free simple path, so zeros are used only when nothing else closes it.
    zero_cost = 1 + sum(values)
    arcs = residual_arcs(layout, values, (other for other in range(layout.size) if other != item))

    def cost(other: int) -> int:
        if other in hidden:
            return 0
        return values[other] if values[other] > 0 else zero_cost

    tail, head = layout.ends(item)
    options = [_dijkstra(arcs, cost, head, tail)]  # raise the item: come back from head to tail
    if values[item] > 0:
        options.append(_dijkstra(arcs, cost, tail, head))  # lower it: go round the other way
    found = [option for option in options if option is not None]
    if not found:
        raise RuntimeError(f"no cycle through item {item}")  # impossible: S->row->column->Z->S always is
    _, path = min(found, key=lambda option: option[0])
    return [other for other in path if other not in hidden]


def _dijkstra(
    arcs: list[list[tuple[int, int]]], cost: Callable[[int], int], start: int, goal: int
) -> tuple[tuple[int, int], list[int]] | None:
    """Cheapest path as ((cost, length), items); ties go to the first found, so output is deterministic."""
    best: dict[int, tuple[int, int]] = {start: (0, 0)}
    via: dict[int, tuple[int, int]] = {}
    queue = [(0, 0, start)]
    while queue:
        spent, length, node = heapq.heappop(queue)
        if (spent, length) != best[node]:
            continue
        if node == goal:
            path = []
            while node != start:
                node, item = via[node]
                path.append(item)
            return (spent, length), path[::-1]
        for nxt, item in arcs[node]:
            candidate = (spent + cost(item), length + 1)
            if nxt not in best or candidate < best[nxt]:
                best[nxt] = candidate
                via[nxt] = (node, item)
                heapq.heappush(queue, (*candidate, nxt))
    return None


def _publish(
    rows: Sequence[str],
    columns: Sequence[str],
    threshold: int,
    layout: TableLayout,
    values: list[int],
    hidden: set[int],
) -> SuppressedTable:
    def shown(item: int) -> int | None:
        return None if item in hidden else values[item]

    return SuppressedTable(
        rows=tuple(rows),
        columns=tuple(columns),
        cells=tuple(
            tuple(shown(layout.cell(i, j)) for j in range(layout.n_cols)) for i in range(layout.n_rows)
        ),
        row_totals=tuple(shown(layout.row_total(i)) for i in range(layout.n_rows)),
        column_totals=tuple(shown(layout.column_total(j)) for j in range(layout.n_cols)),
        total=shown(layout.size - 1),
        threshold=threshold,
    )
