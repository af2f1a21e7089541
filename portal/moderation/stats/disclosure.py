"""What a reader can still work out from a published table: the two checks behind ``suppression``.

A table's published figures are the edges (*items*) of a circulation (see ``suppression`` and ``linked``
for the networks); every equation a reader knows is the conservation of flow at one node, and the hidden
items are the unknowns. An unknown is given away

- by the equations alone when its unit vector lies in their row space (``linearly_determined``:
  Gaussian elimination over ``Fraction``), or
- by the equations together with non-negativity when no cycle of hidden items lets its value move by
  one unit either way (``pinned``: reachability on the residual graph, exact because the network matrix
  is totally unimodular).

These only judge; choosing what to hide is ``suppression``'s job.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from typing import Protocol


class Circulation(Protocol):
    """Published figures as the edges (items) of a circulation on ``n_nodes`` nodes."""

    @property
    def n_nodes(self) -> int: ...

    def ends(self, item: int) -> tuple[int, int]:
        """The (tail, head) nodes of the item's edge."""
        ...


def _equations(layout: Circulation, hidden: set[int]) -> list[dict[int, int]]:
    """Conservation at every node, restricted to the unknowns (published items are constants)."""
    equations: list[dict[int, int]] = [{} for _ in range(layout.n_nodes)]
    for item in sorted(hidden):
        tail, head = layout.ends(item)
        equations[tail][item] = 1
        equations[head][item] = -1
    return [equation for equation in equations if equation]


def linearly_determined(layout: Circulation, hidden: set[int]) -> set[int]:
    """Unknowns fixed by the equations alone: e_i is in the row space iff the reduced row echelon form has
    a row that is exactly e_i (the pivot columns give the combination, so no other row can produce it).
    """
    pivots: list[tuple[int, dict[int, Fraction]]] = []
    for equation in _equations(layout, hidden):
        row = {item: Fraction(coefficient) for item, coefficient in equation.items()}
        for pivot, pivot_row in pivots:
            if pivot in row:
                _subtract(row, row[pivot], pivot_row)
        if not row:
            continue  # dependent equation (e.g. the two ways of summing to the grand total)
        pivot = min(row)
        scale = row[pivot]
        row = {item: coefficient / scale for item, coefficient in row.items()}
        for _, pivot_row in pivots:  # keep the form fully reduced, so the e_i test above is exact
            if pivot in pivot_row:
                _subtract(pivot_row, pivot_row[pivot], row)
        pivots.append((pivot, row))
    return {pivot for pivot, row in pivots if len(row) == 1}


def _subtract(row: dict[int, Fraction], factor: Fraction, other: dict[int, Fraction]) -> None:
    """row -= factor * other, dropping zeros so the rows stay sparse and len() counts non-zeros."""
    for item, coefficient in other.items():
        updated = row.get(item, Fraction(0)) - factor * coefficient
        if updated:
            row[item] = updated
        else:
            row.pop(item, None)


def residual_arcs(
    layout: Circulation, values: list[int], items: Iterable[int]
) -> list[list[tuple[int, int]]]:
    """Per node, (next node, item): an item can always carry one more unit, and one less if above zero."""
    arcs: list[list[tuple[int, int]]] = [[] for _ in range(layout.n_nodes)]
    for item in sorted(items):
        tail, head = layout.ends(item)
        arcs[tail].append((head, item))
        if values[item] > 0:
            arcs[head].append((tail, item))
    return arcs


def pinned(layout: Circulation, values: list[int], hidden: set[int]) -> list[int]:
    """Hidden items with one possible value among all non-negative tables matching the published ones.

    Pushing a unit round a cycle keeps every equation true, and the network matrix is totally
    unimodular, so an item can change iff its edge closes a residual cycle of hidden items.
    """
    arcs = residual_arcs(layout, values, hidden)
    stuck = []
    for item in sorted(hidden):
        tail, head = layout.ends(item)
        can_rise = _reaches(arcs, head, tail, avoid=item)
        can_fall = values[item] > 0 and _reaches(arcs, tail, head, avoid=item)
        if not (can_rise or can_fall):
            stuck.append(item)
    return stuck


def _reaches(arcs: list[list[tuple[int, int]]], start: int, goal: int, avoid: int) -> bool:
    seen = {start}
    todo = [start]
    while todo:
        node = todo.pop()
        if node == goal:
            return True
        for nxt, item in arcs[node]:
            if item != avoid and nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return False
