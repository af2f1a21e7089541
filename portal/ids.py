"""Row ids as they arrive in URLs and query strings.

Ids are PostgreSQL integers. A larger number is no row of ours, but given to the database it
overflows (an error on PostgreSQL beyond 2**31 - 1, on SQLite beyond 2**63 - 1) instead of
matching nothing: a 500 for a typo or a probe. Routes refuse such numbers with a 404 (the
``int`` converter below); query strings go through :func:`parse_id`.
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:...>`` that matches only numbers a row id can have, in ASCII digits."""

    regex = r"[0-9]+"  # Werkzeug's \d+ also matches other scripts' digits ("/cases/١٢" for 12)

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def parse_id(text: str | None) -> int | None:
    """A number from 0 to MAX_ID written in ASCII digits, else None (never an exception)."""
    if not text or not text.isascii() or not text.isdigit():
        return None
    # Leading zeros cost nothing, but int() refuses more than 4 300 digits (ValueError): a
    # 100 000-character "000…0" was a 500. Longer than MAX_ID's digits is too big anyway.
    digits = text.lstrip("0") or "0"
    if len(digits) > len(str(MAX_ID)):
        return None
    number = int(digits)
    return number if number <= MAX_ID else None
