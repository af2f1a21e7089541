"""The month of a report's date, as the statistics group by it: ``'YYYY-MM'``.

``extract("year") `` and ``extract("month")`` are portable, but on SQLite each is a ``strftime``
and a cast for every row counted, twice per row; the pooled statistics count 100 000 rows or more
per breakdown, where that was a third of the time (bench/orgs.py). SQLite stores a date as its
ISO text, whose first seven characters are the month; PostgreSQL formats it once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.functions import FunctionElement


class month_of(FunctionElement[str]):  # noqa: N801 (a SQL function, named like SQLAlchemy's)
    """``'YYYY-MM'`` of a date column."""

    type = String()
    inherit_cache = True
    name = "month_of"


@compiles(month_of)
def _formatted(element: month_of, compiler: Any, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM')"


@compiles(month_of, "sqlite")
def _iso_prefix(element: month_of, compiler: Any, **kw: Any) -> str:
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 7)"


def month(column: ColumnElement[dt.date] | InstrumentedAttribute[dt.date]) -> ColumnElement[str]:
    return month_of(column)


def first_day(month_text: str) -> dt.date:
    """The first day of the month ``'YYYY-MM'``."""
    return dt.date(int(month_text[:4]), int(month_text[5:7]), 1)
