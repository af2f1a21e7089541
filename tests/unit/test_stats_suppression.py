"""Small-count suppression: nothing hidden may be worked out again from what is published.

Three independent judges of "worked out again": ``recoverable()`` (a flow argument), a rank test over
``Fraction`` written here (the equations alone), and, on small tables, plain enumeration of every
non-negative table that agrees with the published figures.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from fractions import Fraction

import pytest

from portal.moderation.stats.disclosure import linearly_determined
from portal.moderation.stats.suppression import (
    DEFAULT_THRESHOLD,
    SuppressedTable,
    TableLayout,
    recoverable,
    suppress,
    to_csv_rows,
)

# A published figure: ("cell", i, j), ("row", i, -1), ("column", -1, j) or ("total", -1, -1).
Key = tuple[str, int, int]
TOTAL: Key = ("total", -1, -1)


def _row(i: int) -> Key:
    return ("row", i, -1)


def _column(j: int) -> Key:
    return ("column", -1, j)


def _suppress(counts: Sequence[Sequence[int]], threshold: int = DEFAULT_THRESHOLD) -> SuppressedTable:
    rows = [f"category {i}" for i in range(len(counts))]
    columns = [f"area {j}" for j in range(len(counts[0]))]
    return suppress(rows, columns, counts, threshold)


def _truth(counts: Sequence[Sequence[int]]) -> dict[Key, int]:
    n_cols = len(counts[0])
    figures: dict[Key, int] = {}
    for i, line in enumerate(counts):
        for j, value in enumerate(line):
            figures["cell", i, j] = value
    for i, line in enumerate(counts):
        figures[_row(i)] = sum(line)
    for j in range(n_cols):
        figures[_column(j)] = sum(line[j] for line in counts)
    figures[TOTAL] = sum(map(sum, counts))
    return figures


def _shown(table: SuppressedTable) -> dict[Key, int | None]:
    figures: dict[Key, int | None] = {}
    for i, line in enumerate(table.cells):
        for j, value in enumerate(line):
            figures["cell", i, j] = value
    for i, value in enumerate(table.row_totals):
        figures[_row(i)] = value
    for j, value in enumerate(table.column_totals):
        figures[_column(j)] = value
    figures[TOTAL] = table.total
    return figures


def _hidden(table: SuppressedTable) -> list[Key]:
    return [key for key, value in _shown(table).items() if value is None]


def _masked(counts: Sequence[Sequence[int]], hide: set[Key]) -> SuppressedTable:
    """A table with an arbitrary set of figures hidden, to test the judges on leaky tables too."""
    shown = {key: None if key in hide else value for key, value in _truth(counts).items()}
    n_rows, n_cols = len(counts), len(counts[0])
    return SuppressedTable(
        rows=tuple(f"category {i}" for i in range(n_rows)),
        columns=tuple(f"area {j}" for j in range(n_cols)),
        cells=tuple(tuple(shown["cell", i, j] for j in range(n_cols)) for i in range(n_rows)),
        row_totals=tuple(shown[_row(i)] for i in range(n_rows)),
        column_totals=tuple(shown[_column(j)] for j in range(n_cols)),
        total=shown[TOTAL],
    )


def _rank(matrix: list[list[Fraction]]) -> int:
    rows = [line[:] for line in matrix]
    rank = 0
    for col in range(len(rows[0]) if rows else 0):
        pivot = next((r for r in range(rank, len(rows)) if rows[r][col]), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for r in range(len(rows)):
            if r != rank and rows[r][col]:
                factor = rows[r][col] / rows[rank][col]
                for c, b in enumerate(rows[rank]):
                    if b:  # the equations are sparse: skip the zeros
                        rows[r][c] -= factor * b
        rank += 1
    return rank


def _determined_by_equations(table: SuppressedTable) -> list[Key]:
    """Hidden figures fixed by the table equations: x_k is determined iff e_k is in the row space of A,
    i.e. iff deleting column k lowers the rank by one."""
    unknowns = _hidden(table)
    n_rows, n_cols = len(table.rows), len(table.columns)
    # Each equation as {figure: coefficient}; published figures are constants and drop out.
    equations: list[dict[Key, int]] = []
    for i in range(n_rows):
        equations.append({**{("cell", i, j): 1 for j in range(n_cols)}, _row(i): -1})
    for j in range(n_cols):
        equations.append({**{("cell", i, j): 1 for i in range(n_rows)}, _column(j): -1})
    equations.append({**{_row(i): 1 for i in range(n_rows)}, TOTAL: -1})
    equations.append({**{_column(j): 1 for j in range(n_cols)}, TOTAL: -1})
    matrix = [[Fraction(eq.get(key, 0)) for key in unknowns] for eq in equations]
    full = _rank(matrix)
    return [
        key
        for k, key in enumerate(unknowns)
        if _rank([line[:k] + line[k + 1 :] for line in matrix]) == full - 1
    ]


def _values_seen(
    table: SuppressedTable, counts: Sequence[Sequence[int]], radius: int = 2
) -> dict[Key, set[int]]:
    """Values each hidden figure takes over non-negative integer tables agreeing with everything published.

    Bounded search: each hidden cell tries the values within ``radius`` of the truth. A bound can only
    make a figure look less free than it is, so "two values seen" is still a proof. Stops as soon as
    every hidden figure has shown two values.
    """
    shown = _shown(table)
    truth = _truth(counts)
    n_rows, n_cols = len(table.rows), len(table.columns)
    cells = [(i, j) for i in range(n_rows) for j in range(n_cols) if shown["cell", i, j] is None]
    grid = [[value or 0 for value in line] for line in table.cells]
    seen: dict[Key, set[int]] = {key: set() for key in _hidden(table)}

    def totals() -> dict[Key, int]:
        figures: dict[Key, int] = {_row(i): sum(grid[i]) for i in range(n_rows)}
        figures.update({_column(j): sum(line[j] for line in grid) for j in range(n_cols)})
        figures[TOTAL] = sum(map(sum, grid))
        return figures

    def over_budget() -> bool:
        return any(shown[key] is not None and value > (shown[key] or 0) for key, value in totals().items())

    def search(k: int) -> bool:
        if k == len(cells):
            figures = totals()
            if all(shown[key] is None or shown[key] == value for key, value in figures.items()):
                for key in seen:
                    seen[key].add(grid[key[1]][key[2]] if key[0] == "cell" else figures[key])
            return all(len(values) >= 2 for values in seen.values())
        i, j = cells[k]
        start = truth["cell", i, j]
        for value in sorted(range(max(0, start - radius), start + radius + 1), key=lambda v: abs(v - start)):
            grid[i][j] = value
            if not over_budget() and search(k + 1):
                return True
        grid[i][j] = 0
        return False

    search(0)
    return seen


def _assert_safe(table: SuppressedTable, counts: Sequence[Sequence[int]], threshold: int) -> None:
    shown = _shown(table)
    for key, value in _truth(counts).items():
        assert shown[key] in (None, value), key
        if 0 < value < threshold:
            assert shown[key] is None, f"small figure {key} = {value} is published"
    assert table.threshold == threshold
    assert recoverable(table, counts) == []
    assert _determined_by_equations(table) == []


# The crafted leak: hiding only the 2 publishes it anyway, as 24 - 10 - 12.
LEAKY = [[2, 10, 12], [8, 9, 11], [7, 6, 14]]


def test_primary_suppression_alone_leaks() -> None:
    naive = _masked(LEAKY, {("cell", 0, 0)})
    assert recoverable(naive, LEAKY) == [(0, 0)]
    assert _determined_by_equations(naive) == [("cell", 0, 0)]
    assert _values_seen(naive, LEAKY)["cell", 0, 0] == {2}


def test_suppress_closes_the_leak() -> None:
    table = _suppress(LEAKY)
    assert table.suppressed_cells == ((0, 0), (0, 1), (2, 0), (2, 1))
    _assert_safe(table, LEAKY, DEFAULT_THRESHOLD)
    assert all(len(values) >= 2 for values in _values_seen(table, LEAKY).values())


CASES: list[tuple[str, list[list[int]], int, set[Key]]] = [
    ("nothing small", [[5, 6, 7], [8, 9, 10]], 5, set()),
    (
        "one small cell: partners in its row and column, ties by position",
        [[2, 9, 9], [9, 9, 9], [9, 9, 9]],
        5,
        {("cell", 0, 0), ("cell", 0, 1), ("cell", 1, 0), ("cell", 1, 1)},
    ),
    (
        "two small cells share their partners rather than take the smallest",
        [[2, 9, 6, 9], [9, 2, 9, 9], [9, 9, 9, 9]],
        5,
        {("cell", 0, 0), ("cell", 0, 1), ("cell", 1, 0), ("cell", 1, 1)},
    ),
    (
        "a zero partners only when nothing else can",
        [[2, 0, 9], [9, 9, 9], [9, 9, 9]],
        5,
        {("cell", 0, 0), ("cell", 0, 2), ("cell", 1, 0), ("cell", 1, 2)},
    ),
    (
        "small row total: the whole row and another row's total",
        [[1, 1, 0], [8, 9, 10], [7, 6, 5]],
        5,
        {("cell", 0, 0), ("cell", 0, 1), ("cell", 2, 0), ("cell", 2, 1), _row(0), _row(2)},
    ),
    (
        "single row: each cell is its column total",
        [[2, 7, 9]],
        5,
        {("cell", 0, 0), ("cell", 0, 1), _column(0), _column(1)},
    ),
    (
        "single column: each cell is its row total",
        [[2], [7], [9]],
        5,
        {("cell", 0, 0), ("cell", 1, 0), _row(0), _row(1)},
    ),
    ("all zeros", [[0, 0], [0, 0]], 5, set()),
    ("one big cell", [[7]], 5, set()),
    ("one small cell", [[3]], 5, {("cell", 0, 0), _row(0), _column(0), TOTAL}),
    (
        "every total below the threshold",
        [[1, 1], [1, 1]],
        5,
        {("cell", 0, 0), ("cell", 0, 1), ("cell", 1, 0), ("cell", 1, 1), _row(0), _row(1)}
        | {_column(0), _column(1), TOTAL},
    ),
    (
        "the grand total gives a small row away",
        [[3, 0], [0, 9]],
        5,
        {("cell", 0, 0), _row(0), _column(0), TOTAL},
    ),
    (
        # The equations alone leave the 2 in the corner free, but only by letting a zero go negative.
        "non-negativity would pin a cell",
        [[2, 5], [0, 0], [2, 0], [2, 0]],
        5,
        {("cell", 0, 0), ("cell", 2, 0), ("cell", 3, 0), _row(0), _row(2), _row(3)},
    ),
    (
        "a pinned zero partner is published again",
        [[0, 0], [6, 1]],
        5,
        {("cell", 1, 0), ("cell", 1, 1), _column(0), _column(1)},
    ),
    ("threshold 1 publishes everything", [[1, 2], [0, 3]], 1, set()),
    (
        "threshold 3",
        [[2, 3, 4], [3, 3, 3]],
        3,
        {("cell", 0, 0), ("cell", 0, 1), ("cell", 1, 0), ("cell", 1, 1)},
    ),
]


@pytest.mark.parametrize(
    ("counts", "threshold", "expected"), [case[1:] for case in CASES], ids=[c[0] for c in CASES]
)
def test_table_driven(counts: list[list[int]], threshold: int, expected: set[Key]) -> None:
    table = _suppress(counts, threshold)
    assert set(_hidden(table)) == expected
    _assert_safe(table, counts, threshold)
    assert table == _suppress(counts, threshold)  # deterministic


def _random_counts(rng: random.Random, n_rows: int, n_cols: int, choices: Sequence[int]) -> list[list[int]]:
    return [[rng.choice(choices) for _ in range(n_cols)] for _ in range(n_rows)]


@pytest.mark.parametrize("seed", range(40))
def test_small_tables_survive_exhaustive_search(seed: int) -> None:
    rng = random.Random(seed)
    counts = _random_counts(rng, rng.randint(1, 3), rng.randint(1, 3), [0, 0, 1, 2, 3, 4, 5, 6, 9])
    table = _suppress(counts)
    _assert_safe(table, counts, DEFAULT_THRESHOLD)
    for key, values in _values_seen(table, counts).items():
        assert len(values) >= 2, f"{key} is always {values} in {counts}"


def _random_mask(seed: int) -> tuple[list[list[int]], set[Key]]:
    """A small table with figures hidden at random: most such tables leak, which is the point."""
    rng = random.Random(1000 + seed)
    counts = _random_counts(rng, rng.randint(1, 3), rng.randint(1, 3), [0, 1, 2, 3, 6])
    return counts, {key for key in _truth(counts) if rng.random() < (0.5 if key[0] == "cell" else 0.25)}


@pytest.mark.parametrize("seed", range(40))
def test_recoverable_agrees_with_exhaustive_search(seed: int) -> None:
    # recoverable() must name exactly the cells that the search finds pinned, no more and no fewer.
    counts, hide = _random_mask(seed)
    table = _masked(counts, hide)
    seen = _values_seen(table, counts)
    pinned = [(i, j) for (kind, i, j), values in seen.items() if kind == "cell" and len(values) < 2]
    assert recoverable(table, counts) == pinned


@pytest.mark.parametrize("seed", range(40))
def test_linear_check_agrees_with_rank_test(seed: int) -> None:
    # suppress()'s own check (reduced row echelon form) against the rank test above. Items are numbered
    # in _truth's order: cells row by row, row totals, column totals, grand total.
    counts, hide = _random_mask(seed)
    keys = list(_truth(counts))
    layout = TableLayout(len(counts), len(counts[0]))
    found = linearly_determined(layout, {keys.index(key) for key in hide})
    assert sorted(keys[item] for item in found) == sorted(_determined_by_equations(_masked(counts, hide)))


MIXED = [0, 0, 1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30]  # a third small: many small cells partner each other
FEW_SMALL = [0, 1, 2, 3, *range(5, 41)]  # the usual month: small cells are rare and need bigger partners


@pytest.mark.parametrize(
    ("n_rows", "n_cols", "seed", "choices"),
    [(12, 9, 1, MIXED), (12, 9, 2, MIXED), (12, 12, 1, MIXED), (12, 9, 3, FEW_SMALL), (12, 12, 4, FEW_SMALL)],
    ids=["12x9 mixed", "12x9 mixed again", "12x12 mixed", "12x9 few small", "12x12 few small"],
)
def test_large_random_tables(n_rows: int, n_cols: int, seed: int, choices: list[int]) -> None:
    rng = random.Random(seed)
    counts = _random_counts(rng, n_rows, n_cols, choices)
    table = _suppress(counts)
    small = sum(0 < value < DEFAULT_THRESHOLD for line in counts for value in line)
    assert table.suppressed_count > small  # some partners were needed, or the test proves little
    _assert_safe(table, counts, DEFAULT_THRESHOLD)


def test_csv_rows() -> None:
    table = suppress(["Alkohol", "Bygglov"], ["Norr", "Syd", "Väst"], [[2, 7, 9], [6, 8, 9]])
    assert to_csv_rows(table) == [
        ["", "Norr", "Syd", "Väst", "Total"],
        ["Alkohol", "<5", "<5", "9", "18"],
        ["Bygglov", "<5", "<5", "9", "23"],
        ["Total", "8", "15", "18", "41"],
    ]
    assert to_csv_rows(table, suppressed_mark="..", total_label="Totalt")[1] == [
        "Alkohol",
        "..",
        "..",
        "9",
        "18",
    ]
    assert to_csv_rows(table, total_label="Totalt")[-1][0] == "Totalt"


def test_csv_mark_follows_the_threshold_and_marks_hidden_totals() -> None:
    table = suppress(["Alkohol"], ["Norr", "Syd"], [[1, 4]], threshold=3)
    assert to_csv_rows(table) == [
        ["", "Norr", "Syd", "Total"],
        ["Alkohol", "<3", "<3", "5"],
        ["Total", "<3", "<3", "5"],
    ]


@pytest.mark.parametrize(
    ("rows", "columns", "counts", "threshold"),
    [
        (["a", "b"], ["x"], [[1]], 5),  # too few rows of counts
        (["a"], ["x", "y"], [[1]], 5),  # ragged
        (["a"], ["x"], [[-1]], 5),  # negative
        (["a"], ["x"], [[1]], 0),  # threshold
    ],
)
def test_bad_input_is_refused(
    rows: list[str], columns: list[str], counts: list[list[int]], threshold: int
) -> None:
    with pytest.raises(ValueError):
        suppress(rows, columns, counts, threshold)


def test_table_shape_is_checked() -> None:
    with pytest.raises(ValueError):
        SuppressedTable(("a",), ("x", "y"), ((1,),), (1,), (1, 0), 1)


def test_recoverable_refuses_counts_that_do_not_match_the_table() -> None:
    with pytest.raises(ValueError):
        recoverable(_suppress(LEAKY), [[3, 10, 12], [8, 9, 11], [7, 6, 14]])
