"""Keyset pages: one row more than a page says whether another page follows (portal/pagination.py)."""

from __future__ import annotations

from portal.pagination import page_of, rows_to_fetch


def test_a_page_with_one_row_more_has_a_next_cursor_at_its_last_row() -> None:
    assert rows_to_fetch(3) == 4
    page = page_of([10, 9, 8, 7], 3, cursor=str)
    assert page.items == [10, 9, 8]
    assert page.next_cursor == "8" and page.has_more


def test_the_last_page_has_no_next_cursor() -> None:
    for rows in ([10, 9, 8], [10], []):
        page = page_of(rows, 3, cursor=str)
        assert page.items == rows
        assert page.next_cursor is None and not page.has_more
