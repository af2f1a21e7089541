"""The attacker of the differencing tests: every published figure is an interval on a sum of true counts,
and the attacker narrows the true count of every unit (one row, one kind, one month) as far as the
figures allow.

Units of one row and kind set lie on a chain of months, and every figure is a sum over a run of months
(a month, a range, a quarter, a year), i.e. a difference of two prefix sums. Such a system of difference
constraints is solved exactly by shortest paths (Floyd–Warshall on the 13 prefix sums of a year): the
bounds found are the tightest any reader gets from that chain, linear programming included. Between
chains (a kind and all kinds; the rows of a breakdown and their period total) bounds are passed on by
interval arithmetic, round after round until nothing changes. Sound throughout: the truth always stays
inside, which ``narrow`` checks.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

BIG = 10**6  # "no upper bound known"

Row = tuple[object, ...]  # ("category", c), ("area", a) or ("total",)
Key = tuple[Row, frozenset[str], int]  # (row, kinds counted together, month 1..12)


@dataclass(frozen=True)
class Figure:
    """What a published figure tells the attacker: the true sum over the units lies in [low, high]."""

    row: Row
    kinds: frozenset[str]
    months: tuple[int, ...]  # a run of consecutive months
    low: int
    high: int


Bounds = dict[Key, tuple[int, int]]
Truth = Mapping[Key, int]


def narrow(
    figures: Iterable[Figure],
    rows: Mapping[str, Sequence[Row]],
    kinds: Sequence[str],
    months: int,
    truth: Truth,
) -> Bounds:
    """Bounds on every (row, kind set, month) sum; ``rows`` names each breakdown's rows, besides ("total",)."""
    kind_sets = [frozenset([kind]) for kind in kinds] + [frozenset(kinds)]
    all_rows = [row for group in rows.values() for row in group] + [("total",)]
    intersected: dict[tuple[Row, frozenset[str], int, int], tuple[int, int]] = {}
    for figure in figures:
        key = (figure.row, figure.kinds, figure.months[0], figure.months[-1])
        low, high = intersected.get(key, (0, BIG))
        intersected[key] = (max(low, figure.low), min(high, figure.high))
    ranges: dict[tuple[Row, frozenset[str]], list[tuple[int, int, int, int]]] = {}
    for (row, ks, first, last), (low, high) in intersected.items():
        ranges.setdefault((row, ks), []).append((first, last, low, high))
    bounds: Bounds = {
        (row, ks, m): (0, BIG) for row in all_rows for ks in kind_sets for m in range(1, months + 1)
    }
    for _round in range(100):
        before = dict(bounds)
        for row in all_rows:
            for ks in kind_sets:
                _chain(row, ks, months, ranges, bounds)
        _kinds(all_rows, kinds, months, bounds)
        for group in rows.values():
            _rows(group, kind_sets, months, bounds)
        if bounds == before:
            break
    for unit, value in truth.items():
        low, high = bounds[unit]
        assert low <= value <= high, f"the attacker is unsound at {unit}: {value} outside {low}..{high}"
    return bounds


def _tighten(bounds: Bounds, key: Key, low: int, high: int) -> None:
    old_low, old_high = bounds[key]
    bounds[key] = (max(old_low, low), min(old_high, high))


def _chain(
    row: Row,
    ks: frozenset[str],
    months: int,
    ranges: dict[tuple[Row, frozenset[str]], list[tuple[int, int, int, int]]],
    bounds: Bounds,
) -> None:
    """Exact bounds on each month of one chain: P_j - P_i <= w is an edge i -> j of weight w."""
    n = months + 1
    dist = [[0 if i == j else BIG * n for j in range(n)] for i in range(n)]

    def edge(i: int, j: int, w: int) -> None:
        dist[i][j] = min(dist[i][j], w)

    for m in range(1, months + 1):
        low, high = bounds[(row, ks, m)]
        edge(m - 1, m, high)
        edge(m, m - 1, -low)
    for first, last, low, high in ranges.get((row, ks), []):
        edge(first - 1, last, high)
        edge(last, first - 1, -low)
    for via, i, j in itertools.product(range(n), repeat=3):
        if dist[i][via] + dist[via][j] < dist[i][j]:
            dist[i][j] = dist[i][via] + dist[via][j]
    assert all(dist[i][i] >= 0 for i in range(n)), "the figures contradict each other"
    for m in range(1, months + 1):
        _tighten(bounds, (row, ks, m), -dist[m][m - 1], dist[m - 1][m])


def _kinds(all_rows: Sequence[Row], kinds: Sequence[str], months: int, bounds: Bounds) -> None:
    """All kinds is the sum of the kinds: each part is the whole minus the others."""
    whole = frozenset(kinds)
    for row, m in itertools.product(all_rows, range(1, months + 1)):
        parts = [bounds[(row, frozenset([kind]), m)] for kind in kinds]
        _tighten(bounds, (row, whole, m), sum(p[0] for p in parts), sum(p[1] for p in parts))
        low, high = bounds[(row, whole, m)]
        for i, kind in enumerate(kinds):
            others = [p for j, p in enumerate(parts) if j != i]
            _tighten(
                bounds,
                (row, frozenset([kind]), m),
                low - sum(p[1] for p in others),
                high - sum(p[0] for p in others),
            )


def _rows(group: Sequence[Row], kind_sets: Sequence[frozenset[str]], months: int, bounds: Bounds) -> None:
    """A breakdown's rows sum to the period total: each row is the total minus the others."""
    for ks, m in itertools.product(kind_sets, range(1, months + 1)):
        parts = [bounds[(row, ks, m)] for row in group]
        total: Key = (("total",), ks, m)
        _tighten(bounds, total, sum(p[0] for p in parts), sum(p[1] for p in parts))
        low, high = bounds[total]
        for i, row in enumerate(group):
            others = [p for j, p in enumerate(parts) if j != i]
            _tighten(bounds, (row, ks, m), low - sum(p[1] for p in others), high - sum(p[0] for p in others))
