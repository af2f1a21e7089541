"""Date arithmetic for the handling figures, in SQL on both databases (see ``months`` for why
these are compiled per dialect rather than written with ``extract``).

- ``days_between(start, end)``: whole days from one date to another (``end - start``).
- ``feedback_in_time(start, end)``: ``end`` is on or before ``start`` plus three months, the
  feedback clock of lag 2021:890 (6 kap. 2 §) as ``clocks.add_months`` counts it: the same day
  of the month, or the month's last day when it is shorter (31 March → 30 June).
- ``seven_days_after(day)``: the day the acknowledgement clock runs out, where feedback is
  counted from when the reporter declined an acknowledgement.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, ColumnElement, Date, Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from ...cases.clocks import ACKNOWLEDGE_DAYS, FEEDBACK_MONTHS


class days_between(FunctionElement[int]):  # noqa: N801 (SQL functions, named like SQLAlchemy's)
    type = Integer()
    inherit_cache = True
    name = "days_between"


class feedback_in_time(FunctionElement[bool]):  # noqa: N801
    type = Boolean()
    inherit_cache = True
    name = "feedback_in_time"


class seven_days_after(FunctionElement[dt.date]):  # noqa: N801
    type = Date()
    inherit_cache = True
    name = "seven_days_after"


def _two(element: FunctionElement[Any], compiler: Any, **kw: Any) -> tuple[str, str]:
    first, second = (compiler.process(clause, **kw) for clause in element.clauses)
    return first, second


@compiles(days_between)
def _days_pg(element: days_between, compiler: Any, **kw: Any) -> str:
    start, end = _two(element, compiler, **kw)
    return f"({end} - {start})"


@compiles(days_between, "sqlite")
def _days_sqlite(element: days_between, compiler: Any, **kw: Any) -> str:
    start, end = _two(element, compiler, **kw)
    return f"CAST(julianday({end}) - julianday({start}) AS INTEGER)"


@compiles(feedback_in_time)
def _in_time_pg(element: feedback_in_time, compiler: Any, **kw: Any) -> str:
    # PostgreSQL adds months as clocks.add_months does (clamped to the month's last day).
    start, end = _two(element, compiler, **kw)
    return f"({end} <= CAST({start} + INTERVAL '{FEEDBACK_MONTHS} months' AS DATE))"


def _ordinal(day: str) -> str:
    """(year * 12 + month) * 32 + day of an ISO date text: in order, and a whole month is 32."""
    return (
        f"((CAST(substr({day}, 1, 4) AS INTEGER) * 12 + CAST(substr({day}, 6, 2) AS INTEGER)) * 32"
        f" + CAST(substr({day}, 9, 2) AS INTEGER))"
    )


@compiles(feedback_in_time, "sqlite")
def _in_time_sqlite(element: feedback_in_time, compiler: Any, **kw: Any) -> str:
    # SQLite's date(x, '+3 months') overflows into the next month (31 March → 1 July). Three months
    # later, clamped, is on or after ``end`` iff ``end``'s month is earlier, or the same month and
    # its day no later than the start's day (a day past the shorter month's end cannot occur).
    start, end = _two(element, compiler, **kw)
    return f"({_ordinal(end)} <= {_ordinal(start)} + {FEEDBACK_MONTHS * 32})"


@compiles(seven_days_after)
def _seven_pg(element: seven_days_after, compiler: Any, **kw: Any) -> str:
    return f"({compiler.process(element.clauses, **kw)} + {ACKNOWLEDGE_DAYS})"


@compiles(seven_days_after, "sqlite")
def _seven_sqlite(element: seven_days_after, compiler: Any, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, '+{ACKNOWLEDGE_DAYS} days')"


def days(start: ColumnElement[dt.date] | Any, end: ColumnElement[dt.date] | Any) -> ColumnElement[int]:
    return days_between(start, end)
