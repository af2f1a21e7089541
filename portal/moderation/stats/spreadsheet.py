"""The statistics' CSV files as Swedish Excel opens them with a double click.

Excel set to Swedish reads a CSV with its list separator, which is the semicolon (the comma is
the decimal sign), and reads the bytes as UTF-8 only after a byte order mark; without these a
table lands in one column with "Ã¥" for "å". Decimals are written with a comma and shares as
"25%", which Swedish Excel takes as numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask import Response as FlaskResponse

SEPARATOR = ";"
BOM = "\ufeff"


def text(rows: Iterable[Iterable[object]]) -> str:
    """The rows as CSV text: semicolons, CRLF line ends, quotes only where a field needs them."""
    out = io.StringIO()
    csv.writer(out, delimiter=SEPARATOR, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def decimal(value: float, places: int = 1) -> str:
    """A decimal figure with a decimal comma (``12,5``); a whole number without one."""
    rounded = round(value, places)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:.{places}f}".replace(".", ",")


def share(value: float | None) -> str:
    """A share of 0..1 as a percentage Swedish Excel reads as a number (``25%``, ``12,5%``)."""
    return "" if value is None else decimal(value * 100) + "%"


def attachment(body: str, filename: str) -> FlaskResponse:
    response = FlaskResponse(BOM + body, mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    return response
