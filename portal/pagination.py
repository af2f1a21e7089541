"""Keyset pagination, shared by the case queue and the audit log.

A page is ``WHERE key beyond the last key shown ORDER BY key``: page 2 000 costs what page 1
costs, at 100 rows or 100 000, where OFFSET reads and drops every row before the page. One row
more than a page is asked for; if it comes, another page follows, with no COUNT(*). What the key
is, which way it runs and how the cursor is written stay with each query.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import Session

PAGE_SIZE = 50  # rows per page: one screen of the queue or of the audit log

Item = TypeVar("Item")
Cursor = TypeVar("Cursor")


@dataclass(frozen=True)
class KeysetPage(Generic[Item, Cursor]):
    """One page of rows; ``next_cursor`` is the key of its last row when another page follows."""

    items: list[Item]
    next_cursor: Cursor | None

    @property
    def has_more(self) -> bool:
        return self.next_cursor is not None


def rows_to_fetch(size: int) -> int:
    """How many rows a page asks for: one more than it shows, to know whether another follows."""
    return size + 1


def page_of(rows: Sequence[Item], size: int, cursor: Callable[[Item], Cursor]) -> KeysetPage[Item, Cursor]:
    """The page in ``rows`` (at most ``rows_to_fetch(size)`` of them, in page order)."""
    items = list(rows[:size])
    more = len(rows) > size
    return KeysetPage(items, cursor(items[-1]) if more and items else None)


def fetch_page(
    db: Session,
    query: Select[*tuple[Any, ...]],
    cursor: Callable[[Item], Cursor],
    row: Callable[[Any], Item],
    size: int = PAGE_SIZE,
) -> KeysetPage[Item, Cursor]:
    """Run ``query`` (already limited to keys beyond the cursor, and ordered by the key) for one
    page; ``row`` makes an item of each result row."""
    return page_of([row(result) for result in db.execute(query.limit(rows_to_fetch(size)))], size, cursor)
