"""``parse_id``: any text a form or a query string can carry gives a row id or None, never an
exception (the fuzzing found a 100 000-character "000…0", which int() refuses: a 500)."""

from __future__ import annotations

import pytest

from portal.ids import parse_id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1),
        ("007", 7),
        ("0", 0),
        ("0" * 100_000, 0),
        ("0" * 5_000 + "12", 12),
        ("2147483647", 2147483647),
        ("2147483648", None),
        ("1" * 5_000, None),
        ("²", None),
        ("١٢", None),
        ("-1", None),
        ("", None),
        (None, None),
    ],
)
def test_a_text_is_an_id_or_none(text: str | None, expected: int | None) -> None:
    assert parse_id(text) == expected
