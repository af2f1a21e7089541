"""Column values as JSON, by the column's Python type, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from sqlalchemy import Column

# Order matters: bool is an int, and datetime is a date.
_KINDS: list[tuple[type, str]] = [
    (bool, "bool"),
    (int, "int"),
    (float, "float"),
    (str, "str"),
    (bytes, "bytes"),
    (dt.datetime, "datetime"),
    (dt.date, "date"),
]
KINDS = frozenset(kind for _, kind in _KINDS)


class UnsupportedColumn(Exception):
    """A column whose type has no portable form in a backup."""


def column_kind(column: Column[Any]) -> str:
    try:
        python_type = column.type.python_type
    except NotImplementedError as exc:
        raise UnsupportedColumn(f"{column.table.name}.{column.name}: {column.type}") from exc
    for base, kind in _KINDS:
        if issubclass(python_type, base):
            return kind
    raise UnsupportedColumn(f"{column.table.name}.{column.name}: {column.type}")


def encode(kind: str, value: Any) -> Any:
    if value is None or kind in {"bool", "int", "float", "str"}:
        return value
    if kind == "bytes":
        return base64.b64encode(value).decode()
    result: str = value.isoformat()
    return result


def decode(kind: str, value: Any) -> Any:
    if value is None or kind in {"bool", "int", "float", "str"}:
        return value
    if kind == "bytes":
        return base64.b64decode(value, validate=True)
    if kind == "datetime":
        return dt.datetime.fromisoformat(value)
    return dt.date.fromisoformat(value)
