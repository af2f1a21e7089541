"""What the database holds, table by table: a refused request must leave every row as it was."""

from __future__ import annotations

import functools
import hashlib
from collections import Counter
from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy import Column, Dialect, Table, func, select

from portal.audit import Event
from portal.db import Base
from portal.models import AuditEvent, ServerSession, User

# A request that changes nothing may still leave the trace of reading (a moderator saw the case
# page again, with the reason a form was refused; exported statistics) or of a failed log-in (the
# lock-out counts them). A case exported (issue 15 part 3) is read, with nothing stored.
READING_EVENTS = frozenset(
    {
        Event.CASE_VIEWED.value,
        Event.STATS_EXPORTED.value,
        Event.LOGIN_FAILED.value,
        Event.CASE_EXPORTED_PDF.value,
        Event.CASE_EXPORTED_ZIP.value,
    }
)
# Columns a refused request may move on purpose: the lock-out's counters. Sessions are the
# visitor's own state (a refused form may still refresh its expiry), counted but not compared.
MOVING_COLUMNS = {(User.__tablename__, "failed_logins"), (User.__tablename__, "locked_until")}
UNCOMPARED_TABLES = {ServerSession.__tablename__, AuditEvent.__tablename__}


@dataclass(frozen=True)
class Snapshot:
    counts: dict[str, int]
    digests: dict[str, str]
    events: Counter[str]

    def changes_since(self, before: Snapshot) -> dict[str, str]:
        """Tables that gained or lost rows or whose rows changed (reading events left out)."""
        changed = {
            table: f"{before.counts[table]} -> {count} rows"
            for table, count in self.counts.items()
            if count != before.counts[table] and table != AuditEvent.__tablename__
        }
        changed.update(
            {
                table: "rows changed"
                for table, digest in self.digests.items()
                if digest != before.digests[table]
            }
        )
        new_events = self.events - before.events
        if set(new_events) - READING_EVENTS or before.events - self.events:
            changed[AuditEvent.__tablename__] = f"events {dict(before.events)} -> {dict(self.events)}"
        return changed


def _compared_columns(table: Table) -> list[Column[Any]]:
    return [c for c in table.c if (table.name, c.name) not in MOVING_COLUMNS]


@functools.cache
def _statements(dialect: Dialect) -> list[tuple[str, bool, str]]:
    """(table, compared, SQL) per table, compiled once: a snapshot is taken around every request."""

    def sql(statement: Any) -> str:
        return str(statement.compile(dialect=dialect))

    statements = []
    for table in Base.metadata.sorted_tables:
        if table.name in UNCOMPARED_TABLES:
            statements.append((table.name, False, sql(select(func.count()).select_from(table))))
            continue
        ordered = select(*_compared_columns(table)).order_by(*table.primary_key.columns)
        statements.append((table.name, True, sql(ordered)))
    return statements


@functools.cache
def _postgres_statement(dialect: Dialect) -> str:
    """Every table's count and digest in one round trip (PostgreSQL computes the digests)."""
    quote = dialect.identifier_preparer.quote
    parts = []
    for table in Base.metadata.sorted_tables:
        name = quote(table.name)
        if table.name in UNCOMPARED_TABLES:
            parts.append(f"SELECT '{table.name}', count(*), '' FROM {name}")
            continue
        row = ", ".join(quote(c.name) for c in _compared_columns(table))
        order = ", ".join(quote(c.name) for c in table.primary_key.columns)
        digest = f"md5(coalesce(string_agg(ROW({row}, NULL)::text, '|' ORDER BY {order}), ''))"
        parts.append(f"SELECT '{table.name}', count(*), {digest} FROM {name}")
    return " UNION ALL ".join(parts)


def _digest(rows: Any) -> str:
    digest = hashlib.sha256()
    for row in rows:
        for value in row:
            # Ciphertexts go in as they are: repr() of a large blob would cost more than the request.
            digest.update(bytes(value) if isinstance(value, (bytes, memoryview)) else repr(value).encode())
            digest.update(b"\x1f")
        digest.update(b"\x1e")
    return digest.hexdigest()


def snapshot(app: Flask) -> Snapshot:
    counts: dict[str, int] = {}
    digests: dict[str, str] = {}
    engine = app.extensions["portal.engine"]
    events_sql = str(
        select(AuditEvent.event, func.count()).group_by(AuditEvent.event).compile(dialect=engine.dialect)
    )
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            for name, count, digest in conn.exec_driver_sql(_postgres_statement(engine.dialect)):
                counts[name] = int(count)
                if name not in UNCOMPARED_TABLES:
                    digests[name] = str(digest)
        else:
            for name, compared, statement in _statements(engine.dialect):
                rows = conn.exec_driver_sql(statement).all()
                if compared:
                    counts[name], digests[name] = len(rows), _digest(rows)
                else:
                    counts[name] = int(rows[0][0])
        events = Counter({event: int(n) for event, n in conn.exec_driver_sql(events_sql)})
    return Snapshot(counts, digests, events)


def assert_nothing_stored(app: Flask, before: Snapshot, what: object) -> None:
    changed = snapshot(app).changes_since(before)
    assert not changed, f"a refused request changed {changed}: {what!r}"[:3000]
