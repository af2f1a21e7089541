"""Rows between a database connection and an archive, in bounded batches, both directions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, insert, select
from sqlalchemy.orm import Session

from .. import audit
from . import database
from .archive import ArchiveReader, ArchiveWriter, BackupInfo, TableLayout
from .outcome import BackupRefused
from .values import UnsupportedColumn, column_kind, encode

# Rows are read and written in batches: memory stays bounded by the batch, not the database.
FETCH_ROWS = 500
FETCH_ROWS_WITH_FILES = 16  # up to 16 attachments of 10 MB in memory at once
INSERT_ROWS = 500
INSERT_BYTES = 16 * 1024 * 1024

# Called with each batch before it is inserted: may check it (and raise) or change its rows.
Prepare = Callable[[Connection, Table, list[dict[str, Any]]], list[dict[str, Any]]]


def layout(table: Table) -> TableLayout:
    try:
        kinds = tuple(column_kind(column) for column in table.columns)
    except UnsupportedColumn as exc:
        raise BackupRefused(f"a column cannot be backed up: {exc}") from exc
    return TableLayout(table.name, tuple(column.name for column in table.columns), kinds)


def dump(
    conn: Connection,
    table: Table,
    table_layout: TableLayout,
    archive: ArchiveWriter,
    where: ColumnElement[bool] | None = None,
) -> int:
    """Write ``table``'s rows (those matching ``where``, else all) to the archive."""
    archive.record({"table": table.name})
    batch = FETCH_ROWS_WITH_FILES if "bytes" in table_layout.kinds else FETCH_ROWS
    query = select(table).order_by(*table.primary_key.columns).execution_options(yield_per=batch)
    if where is not None:
        query = query.where(where)
    count = 0
    for row in conn.execute(query):
        archive.record([encode(kind, value) for kind, value in zip(table_layout.kinds, row, strict=True)])
        count += 1
    return count


def insert_batch(conn: Connection, table: Table, batch: list[dict[str, Any]]) -> None:
    if batch:
        conn.execute(insert(table), batch)


def _weight(row: dict[str, Any]) -> int:
    return sum(len(value) for value in row.values() if isinstance(value, bytes | str))


def load(
    conn: Connection, reader: ArchiveReader, tables: dict[str, Table], prepare: Prepare | None = None
) -> dict[str, int]:
    """Insert every row of the archive; returns the rows read per table."""
    rows = {table_layout.name: 0 for table_layout in reader.info.tables}
    batch: list[dict[str, Any]] = []
    batch_table, batch_bytes = "", 0

    def flush() -> None:
        table = tables[batch_table]
        insert_batch(conn, table, prepare(conn, table, batch) if prepare else batch)

    for table_layout, row in reader.rows():
        if batch and (
            table_layout.name != batch_table or len(batch) >= INSERT_ROWS or batch_bytes >= INSERT_BYTES
        ):
            flush()
            batch, batch_bytes = [], 0
        batch_table = table_layout.name
        batch.append(row)
        batch_bytes += _weight(row)
        rows[table_layout.name] += 1
    if batch:
        flush()
    return rows


def record_event(conn: Connection, event: audit.Event, organisation_id: int | None = None) -> None:
    with Session(bind=conn) as db:
        audit.record(db, event, organisation_id=organisation_id)
        db.flush()


def matching_tables(conn: Connection, info: BackupInfo) -> dict[str, Table]:
    """The database's tables, if its schema is the backup's: same revision, same columns."""
    revision = database.revision(conn)
    if revision != info.revision:
        raise BackupRefused(
            f"the backup is of schema revision {info.revision} but the database is at {revision or 'none'}: "
            f"restore into a new database prepared with 'flask --app wsgi db upgrade {info.revision}', "
            "then run 'flask --app wsgi db upgrade'"
        )
    tables = {table.name: table for table in database.tables(conn)}
    for table_layout in info.tables:
        table = tables.get(table_layout.name)
        if table is None or set(table.columns.keys()) != set(table_layout.columns):
            raise BackupRefused(f"the table {table_layout.name} differs between the backup and the database")
    return tables
