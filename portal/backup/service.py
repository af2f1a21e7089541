"""Create, verify and restore backups (docs/backup.md). Each is one database transaction."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, insert, select
from sqlalchemy.orm import Session

from .. import audit, installation
from ..config import Config
from ..db import utcnow
from ..security.backup_cipher import EncryptingWriter, open_stream
from ..security.crypto import KdfCost
from ..security.passwords import check_strength
from . import database
from .archive import ArchiveReader, ArchiveWriter, BackupInfo, TableLayout
from .files import atomic_file
from .values import UnsupportedColumn, column_kind, encode

# A stolen backup is attacked offline with no rate limit, so its passphrase is longer than a
# log-in password (five random words, or a generated secret) ...
MIN_PASSPHRASE_LENGTH = 20
# ... and its key costs more: the price is paid once per backup, not at every log-in.
BACKUP_KDF_MEMORY_FACTOR = 4
BACKUP_KDF_EXTRA_PASSES = 1
# Rows are read and written in batches: memory stays bounded by the batch, not the database.
FETCH_ROWS = 500
FETCH_ROWS_WITH_FILES = 16  # up to 16 attachments of 10 MB in memory at once
INSERT_ROWS = 500
INSERT_BYTES = 16 * 1024 * 1024


class BackupRefused(Exception):
    """The operation cannot go ahead; the message says why and what to do instead."""


@dataclass(frozen=True)
class Summary:
    revision: str
    rows: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def kdf_cost(config: Config) -> KdfCost:
    """76 MiB and three passes with the production log-in parameters."""
    login = installation.kdf_cost(config)
    return KdfCost(
        login.memory_kib * BACKUP_KDF_MEMORY_FACTOR,
        login.time_cost + BACKUP_KDF_EXTRA_PASSES,
        login.parallelism,
    )


def check_passphrase(passphrase: str) -> None:
    problems = list(check_strength(passphrase).problems)
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        problems.insert(0, f"Use at least {MIN_PASSPHRASE_LENGTH} characters, e.g. five random words.")
    if problems:
        raise BackupRefused("the passphrase is too weak: " + " ".join(problems))


def _layout(table: Table) -> TableLayout:
    try:
        kinds = tuple(column_kind(column) for column in table.columns)
    except UnsupportedColumn as exc:
        raise BackupRefused(f"a column cannot be backed up: {exc}") from exc
    return TableLayout(table.name, tuple(column.name for column in table.columns), kinds)


def _dump(conn: Connection, table: Table, layout: TableLayout, archive: ArchiveWriter) -> int:
    archive.record({"table": table.name})
    batch = FETCH_ROWS_WITH_FILES if "bytes" in layout.kinds else FETCH_ROWS
    query = select(table).order_by(*table.primary_key.columns).execution_options(yield_per=batch)
    count = 0
    for row in conn.execute(query):
        archive.record([encode(kind, value) for kind, value in zip(layout.kinds, row, strict=True)])
        count += 1
    return count


def _record(conn: Connection, event: audit.Event) -> None:
    with Session(bind=conn) as db:
        audit.record(db, event)
        db.flush()


def create(engine: Engine, path: Path, passphrase: str, cost: KdfCost, head: str) -> Summary:
    """Write every table, as one snapshot, encrypted under ``passphrase``, to a new file ``path``."""
    if path.exists():
        raise BackupRefused(f"{path} exists already; give the backup a new name")
    if not path.parent.is_dir():
        raise BackupRefused(f"there is no directory {path.parent}")
    with database.snapshot(engine) as conn:
        revision = database.revision(conn)
        if revision is None:
            raise BackupRefused(
                "the database has no schema revision: run 'flask --app wsgi db upgrade' first"
            )
        tables = database.tables(conn)
        layouts = [_layout(table) for table in tables]
        info = BackupInfo(revision, utcnow().isoformat(), conn.dialect.name, tuple(layouts))
        with atomic_file(path) as handle:
            cipher = EncryptingWriter(handle, passphrase, cost)
            archive = ArchiveWriter(cipher)
            archive.header(info)
            rows = {
                table.name: _dump(conn, table, layout, archive)
                for table, layout in zip(tables, layouts, strict=True)
            }
            archive.record({"end": rows})
            archive.close()
            cipher.close()
    if revision == head:  # the models describe this schema, so the audit trail can be written
        with database.exclusive(engine) as conn:
            _record(conn, audit.Event.BACKUP_CREATED)
    return Summary(revision, rows)


def verify(path: Path, passphrase: str) -> Summary:
    """Decrypt and check the whole backup without writing anything."""
    with path.open("rb") as handle:
        reader = ArchiveReader(open_stream(handle, passphrase))
        rows = {layout.name: 0 for layout in reader.info.tables}
        for layout, _ in reader.rows():
            rows[layout.name] += 1
    return Summary(reader.info.revision, rows)


def _targets(conn: Connection, info: BackupInfo) -> dict[str, Table]:
    """The database's tables, if it is empty and has exactly the backup's schema."""
    revision = database.revision(conn)
    if revision != info.revision:
        raise BackupRefused(
            f"the backup is of schema revision {info.revision} but the database is at {revision or 'none'}: "
            f"restore into a new database prepared with 'flask --app wsgi db upgrade {info.revision}', "
            "then run 'flask --app wsgi db upgrade'"
        )
    tables = {table.name: table for table in database.tables(conn)}
    for layout in info.tables:
        table = tables.get(layout.name)
        if table is None or set(table.columns.keys()) != set(layout.columns):
            raise BackupRefused(f"the table {layout.name} differs between the backup and the database")
    if extra := sorted(set(tables) - {layout.name for layout in info.tables}):
        raise BackupRefused("the database has tables the backup does not know: " + ", ".join(extra))
    if filled := database.occupied(conn, list(tables.values())):
        raise BackupRefused(
            "the database is not empty (rows in " + ", ".join(filled) + "): restore only into a new "
            "database that was migrated and has not been used yet"
        )
    return tables


def _weight(row: dict[str, Any]) -> int:
    return sum(len(value) for value in row.values() if isinstance(value, bytes | str))


def _load(conn: Connection, reader: ArchiveReader, tables: dict[str, Table]) -> dict[str, int]:
    rows = {layout.name: 0 for layout in reader.info.tables}
    batch: list[dict[str, Any]] = []
    batch_table, batch_bytes = "", 0
    for layout, row in reader.rows():
        if batch and (layout.name != batch_table or len(batch) >= INSERT_ROWS or batch_bytes >= INSERT_BYTES):
            conn.execute(insert(tables[batch_table]), batch)
            batch, batch_bytes = [], 0
        batch_table = layout.name
        batch.append(row)
        batch_bytes += _weight(row)
        rows[layout.name] += 1
    if batch:
        conn.execute(insert(tables[batch_table]), batch)
    return rows


def restore(engine: Engine, path: Path, passphrase: str, head: str) -> Summary:
    """Load a backup into an empty database at the backup's revision, in one transaction.

    The passphrase is checked before the database is touched; every frame is authenticated
    before its rows are inserted, and the transaction commits only after the end of the file
    was verified, so a wrong, damaged or cut file leaves the database as it was.
    """
    with path.open("rb") as handle:
        reader = ArchiveReader(open_stream(handle, passphrase))
        with database.exclusive(engine) as conn:
            tables = _targets(conn, reader.info)
            database.clear_seeded(conn, list(tables.values()))
            rows = _load(conn, reader, tables)
            database.reset_sequences(conn, list(tables.values()))
            if reader.info.revision == head:
                _record(conn, audit.Event.BACKUP_RESTORED)
    return Summary(reader.info.revision, rows)
