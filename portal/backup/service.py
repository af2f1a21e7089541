"""Create, verify and restore backups (docs/backup.md). Each is one database transaction."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, Engine, Table

from .. import audit, installation
from ..config import Config
from ..db import utcnow
from ..security.backup_cipher import EncryptingWriter, open_stream
from ..security.crypto import KdfCost
from ..security.passwords import check_strength
from . import copying, database, scoped
from .archive import ArchiveReader, ArchiveWriter, BackupInfo
from .files import atomic_file, check_new_file
from .outcome import BackupRefused as BackupRefused  # part of this service's interface
from .outcome import Summary as Summary

# A stolen backup is attacked offline with no rate limit, so its passphrase is longer than a
# log-in password (five random words, or a generated secret) ...
MIN_PASSPHRASE_LENGTH = 20
# ... and its key costs more: the price is paid once per backup, not at every log-in.
BACKUP_KDF_MEMORY_FACTOR = 4
BACKUP_KDF_EXTRA_PASSES = 1


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


def create(engine: Engine, path: Path, passphrase: str, cost: KdfCost, head: str) -> Summary:
    """Write every table, as one snapshot, encrypted under ``passphrase``, to a new file ``path``."""
    check_new_file(path)
    with database.snapshot(engine) as conn:
        revision = database.revision(conn)
        if revision is None:
            raise BackupRefused(
                "the database has no schema revision: run 'flask --app wsgi db upgrade' first"
            )
        tables = database.tables(conn)
        layouts = [copying.layout(table) for table in tables]
        info = BackupInfo(revision, utcnow().isoformat(), conn.dialect.name, tuple(layouts))
        with atomic_file(path) as handle:
            cipher = EncryptingWriter(handle, passphrase, cost)
            archive = ArchiveWriter(cipher)
            archive.header(info)
            rows = {
                table.name: copying.dump(conn, table, layout, archive)
                for table, layout in zip(tables, layouts, strict=True)
            }
            archive.record({"end": rows})
            archive.close()
            cipher.close()
    if revision == head:  # the models describe this schema, so the audit trail can be written
        with database.exclusive(engine) as conn:
            copying.record_event(conn, audit.Event.BACKUP_CREATED)
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
    tables = copying.matching_tables(conn, info)
    if extra := sorted(set(tables) - {layout.name for layout in info.tables}):
        raise BackupRefused("the database has tables the backup does not know: " + ", ".join(extra))
    if filled := database.occupied(conn, list(tables.values())):
        raise BackupRefused(
            "the database is not empty (rows in " + ", ".join(filled) + "): restore only into a new "
            "database that was migrated and has not been used yet"
        )
    return tables


def restore(engine: Engine, path: Path, passphrase: str, head: str) -> Summary:
    """Load a backup into an empty database at the backup's revision, in one transaction.

    The passphrase is checked before the database is touched; every frame is authenticated
    before its rows are inserted, and the transaction commits only after the end of the file
    was verified, so a wrong, damaged or cut file leaves the database as it was.
    """
    with path.open("rb") as handle:
        reader = ArchiveReader(open_stream(handle, passphrase))
        if reader.info.organisation is not None:
            return scoped.restore(engine, reader, head)
        with database.exclusive(engine) as conn:
            tables = _targets(conn, reader.info)
            database.clear_seeded(conn, list(tables.values()))
            rows = copying.load(conn, reader, tables)
            database.reset_sequences(conn, list(tables.values()))
            if reader.info.revision == head:
                copying.record_event(conn, audit.Event.BACKUP_RESTORED)
    return Summary(reader.info.revision, rows)
