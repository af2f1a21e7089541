"""Differencing-resistant figures for whatever leaves the portal: the cell-key method (ABS, Eurostat).

Every report carries a random *record key*, uniform in ``0 .. N-1`` (``N = 2**16``), drawn when it is
received and never shown. A cell's *cell key* is the sum of its records' keys mod ``N``: the same set of
reports always has the same cell key, so it always gets the same published value, however often and in
whichever table it is asked for. The key only picks a perturbation; it says nothing about anyone.

Publication units. Only *fixed* cells are ever perturbed: one month × one kind × one category (or one
area). Everything else a table shows (a quarter, a year, all kinds, a row or period total, the grand
total) is the sum of published unit figures. So every table over any range, period or kind filter is
made of the same published units: a second table over an overlapping range, or the difference of two,
is arithmetic on figures the reader already has, and adds no new observation of any set of reports.
Totals are therefore the sums of their published cells, not the true totals, and the category and area
tables may show different totals for the same period (each sums its own perturbed cells). Totals
perturbed as cells of their own (the ABS default) would observe the same reports a second time: the
attack test found a small cell narrowed to 0..3 from a period total perturbed on its own and the cells
beside it, so here they are not.

Perturbation table (``threshold`` T, 5 by default; ``u = cell key / N``, uniform in [0, 1)):

- ``0`` stays ``0``: an empty cell has no records and so no key, and "nobody reported this" identifies
  no one (the same reasoning as suppression).
- ``1 .. T-1`` is never published as itself: it becomes ``T`` when ``u < count / T`` and ``0`` otherwise
  (unbiased: the expected published value is the count).
- ``T`` and more get ``d`` in ``-2 .. +2`` with probabilities 1/10, 2/10, 4/10, 2/10, 1/10 (by ``u``), and
  a result below ``T`` is published as ``0``. So nothing between 1 and T-1 is ever published, a published
  ``0`` may hide 0 to T+1 reports and a published ``T`` 1 to T+2.

Limits. The guarantee is about the *published units*: each is observed once, with the noise above, and
any published figure is a sum of them. From one unit a reader who knows the table learns at most its
preimage (for ``0``: 0 .. T+1; for ``T``: 1 .. T+2), which never tells whether a small count is 0, nor
narrows it below T+2 values. What the structure adds (rows of both breakdowns sum to the same period
total, the kinds to all kinds) is what ``tests/unit/test_stats_differencing.py`` attacks, exactly per
chain of months and by interval arithmetic between chains; it does not model the joint category × area
table, so a smarter reader might do better on unusual data. A unit is a new set, and so a new
observation, whenever its reports change: the period still running (``service.published_range``
leaves it out of everything exported).
Erasure changes no unit: an erased case's row keeps its month, classification and record key. The
record keys are in the database, where the true counts are anyway: they protect nothing there and
need protect nothing. Sums over many units carry their noise, about ±1
per unit.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate

from sqlalchemy import ColumnElement, case

from ...record_key import N

_SPREAD = ((1, -2), (2, -1), (4, 0), (2, 1), (1, 2))  # (tenths of probability, perturbation)


def perturb(count: int, cell_key: int, threshold: int) -> int:
    """The published value of a unit with this true count and cell key (the table in the docstring)."""
    if count < 0 or not 0 <= cell_key < N:
        raise ValueError("a count is non-negative and a cell key lies in 0 .. N-1")
    if count == 0:
        return 0
    if count < threshold:
        return threshold if cell_key * threshold < count * N else 0
    position = cell_key * 10
    for tenths, change in _SPREAD:
        if position < tenths * N:
            return count + change if count + change >= threshold else 0
        position -= tenths * N
    raise AssertionError("the spread sums to ten tenths")  # pragma: no cover


def perturbed_in_sql(
    count: ColumnElement[int], key_sum: ColumnElement[int], threshold: int
) -> ColumnElement[int]:
    """:func:`perturb` as a SQL expression over a GROUP BY's ``count(*)`` and ``sum(record_key)``,
    so that the pooled statistics perturb each organisation's units and add them in the database
    (``pooled``): 300 organisations' units are too many rows to fetch. The same table as
    ``perturb`` (the spread read from the same ``_SPREAD``); ``tests/unit/test_stats_cell_key_sql.py``
    checks that both agree on every count and key."""
    key = key_sum % N
    position = key * 10
    bounds = list(accumulate(tenths for tenths, _change in _SPREAD))
    change = case(
        *[
            (position < bound * N, change)
            for bound, (_tenths, change) in zip(bounds[:-1], _SPREAD, strict=False)
        ],
        else_=_SPREAD[-1][1],
    )
    return case(
        (count < threshold, case((key * threshold < count * N, threshold), else_=0)),
        (count + change < threshold, 0),
        else_=count + change,
    )


@dataclass(frozen=True)
class KeyedRow:
    """Counted reports of one month (first day), kind, category and area: how many, and their key sum."""

    month: dt.date
    kind: enum.StrEnum
    category: enum.StrEnum | None
    area: enum.StrEnum | None
    count: int
    key_sum: int


Units = dict[tuple[dt.date, enum.StrEnum, enum.StrEnum | None], int]


def units(rows: Iterable[KeyedRow], by_area: bool, threshold: int) -> Units:
    """The published figure of every (month, kind, row key) of one breakdown. The rows may come from
    any query that counts reports and sums their record keys per month, kind, category and area."""
    counted: dict[tuple[dt.date, enum.StrEnum, enum.StrEnum | None], list[int]] = {}
    for row in rows:
        pair = counted.setdefault((row.month, row.kind, row.area if by_area else row.category), [0, 0])
        pair[0] += row.count
        pair[1] += row.key_sum
    return perturbed_units({key: (number, keys) for key, (number, keys) in counted.items()}, threshold)


UnitKey = tuple[dt.date, enum.StrEnum, enum.StrEnum | None]


def perturbed_units(counted: dict[UnitKey, tuple[int, int]], threshold: int) -> Units:
    """The published figure of every unit from its (count, sum of record keys), however counted:
    ``units`` above, or the handling figures' breakdowns (``handling``)."""
    return {key: perturb(number, keys % N, threshold) for key, (number, keys) in counted.items()}


def pooled_units(groups: Iterable[Iterable[KeyedRow]], by_area: bool, threshold: int) -> Units:
    """Units of several organisations together: each organisation's units perturbed on their own,
    then added. A pooled unit is thus a sum of figures each organisation's own export publishes
    anyway, never a second, differently perturbed observation of the same reports; and a pooled
    table before and after an organisation joins differs by exactly that organisation's own
    published units (safe figures), not by anything exact."""
    total: Units = {}
    for rows in groups:
        for key, value in units(rows, by_area, threshold).items():
            total[key] = total.get(key, 0) + value
    return total


@dataclass(frozen=True)
class PerturbedTable:
    """A table ready to hand on: every figure a sum of published units, never suppressed."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: tuple[tuple[int, ...], ...]
    row_totals: tuple[int, ...]
    column_totals: tuple[int, ...]
    total: int


def table(
    published: Units,
    row_keys: Sequence[enum.StrEnum | None],
    row_labels: Sequence[str],
    columns: Sequence[tuple[str, Sequence[dt.date]]],
    kinds: Sequence[enum.StrEnum],
) -> PerturbedTable:
    """Sum the published units into a table: ``columns`` are (label, the months the column covers)."""
    cells = tuple(
        tuple(
            sum(published.get((month, kind, key), 0) for month in months for kind in kinds)
            for _label, months in columns
        )
        for key in row_keys
    )
    column_totals = tuple(sum(line[j] for line in cells) for j in range(len(columns)))
    return PerturbedTable(
        rows=tuple(row_labels),
        columns=tuple(label for label, _months in columns),
        cells=cells,
        row_totals=tuple(sum(line) for line in cells),
        column_totals=column_totals,
        total=sum(column_totals),
    )
