"""One organisation's backup (issue 14, item 6): its rows only, and the installation's code salt.

The rows are those ``ownership`` derives from the foreign keys. The installation row comes first
in the archive: a restore into a fresh installation adopts its code salt, so that every reporter's
code keeps working with one argon2id; a restore into an installation with another salt is refused
before anything is written (the codes would open nothing there). A restore back into the
organisation's own installation, after it left, needs every id and unique value to be free: ids
are never handed out twice on PostgreSQL (sequences) and for organisations on SQLite
(AUTOINCREMENT), but SQLite gives the other tables' highest ids again once their rows are erased.
Rows nothing refers to by id (audit events, messages, files, notes, quick replies) then take new
ids; a taken id of a user, a report or a label (a case's number, which its audit trail names), or
a taken user name, is refused by name. Either way it is one transaction: a refusal or a failure
halfway leaves nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, UniqueConstraint, select

from .. import audit
from ..db import utcnow
from ..security.backup_cipher import EncryptingWriter
from ..security.crypto import KdfCost
from . import copying, database, ownership
from .archive import ArchiveReader, ArchiveWriter, BackupInfo, OrganisationRef
from .files import atomic_file, check_new_file
from .outcome import BackupRefused, Summary

INSTALLATION = "installation"


def create(engine: Engine, path: Path, passphrase: str, cost: KdfCost, head: str, slug: str) -> Summary:
    """Write organisation ``slug``'s rows, as one snapshot, encrypted, to a new file ``path``."""
    check_new_file(path)
    with database.snapshot(engine) as conn:
        revision = database.revision(conn)
        if revision is None:
            raise BackupRefused(
                "the database has no schema revision: run 'flask --app wsgi db upgrade' first"
            )
        tables = database.tables(conn)
        if missing := ownership.unowned(tables):
            raise BackupRefused(
                "these tables belong to no organisation and to no list of the installation's own, so an "
                "organisation's backup could miss their rows: " + ", ".join(missing)
            )
        by_name = {table.name: table for table in tables}
        organisation_id = conn.scalar(
            select(by_name["organisations"].c.id).where(by_name["organisations"].c.slug == slug)
        )
        if organisation_id is None:
            raise BackupRefused(f"there is no organisation {slug!r} ('organisations list' shows them)")
        # The installation row first: a restore checks the salt before it writes anything else.
        chosen = [(by_name[INSTALLATION], None)] + [
            (reach.table, reach.condition(organisation_id)) for reach in ownership.archived(tables)
        ]
        layouts = [copying.layout(table) for table, _ in chosen]
        info = BackupInfo(
            revision,
            utcnow().isoformat(),
            conn.dialect.name,
            tuple(layouts),
            OrganisationRef(organisation_id, slug),
        )
        with atomic_file(path) as handle:
            cipher = EncryptingWriter(handle, passphrase, cost)
            archive = ArchiveWriter(cipher)
            archive.header(info)
            rows = {
                table.name: copying.dump(conn, table, layout, archive, where)
                for (table, where), layout in zip(chosen, layouts, strict=True)
            }
            archive.record({"end": rows})
            archive.close()
            cipher.close()
    if revision == head:
        with database.exclusive(engine) as conn:
            copying.record_event(conn, audit.Event.BACKUP_CREATED, organisation_id)
    return Summary(revision, rows)


def restore(engine: Engine, reader: ArchiveReader, head: str) -> Summary:
    """Load an organisation's archive into this installation, beside its other organisations."""
    info = reader.info
    assert info.organisation is not None
    if not info.tables or info.tables[0].name != INSTALLATION:
        raise BackupRefused("the organisation's backup does not begin with the installation's row")
    with database.exclusive(engine) as conn:
        tables = copying.matching_tables(conn, info)
        rows = copying.load(conn, reader, tables, prepare=_Arrivals(info.organisation, tables))
        database.reset_sequences(conn, [tables[layout.name] for layout in info.tables])
        if info.revision == head:
            copying.record_event(conn, audit.Event.BACKUP_RESTORED, info.organisation.id)
    return Summary(info.revision, rows)


class _Arrivals:
    """Checks each batch before it is inserted: the salt, free ids and unique values, and
    references (``SET NULL``) to rows this installation does not have."""

    def __init__(self, organisation: OrganisationRef, tables: dict[str, Table]) -> None:
        self.organisation = organisation
        self.referenced = {key.column.table.name for table in tables.values() for key in table.foreign_keys}

    def __call__(self, conn: Connection, table: Table, batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if table.name == INSTALLATION:
            return _adopt_or_match(conn, table, batch)
        if table.name not in self.referenced and _taken(conn, table, "id", batch) is not None:
            # SQLite gives the highest id of a deleted row again (the event that recorded the
            # leaving took one): nothing refers to these rows by id, so they take new ones.
            batch = [{name: value for name, value in row.items() if name != "id"} for row in batch]
        for column in _unique_columns(table):
            self._refuse_taken(conn, table, column, batch)
        _drop_dangling(conn, table, batch)
        return batch

    def _refuse_taken(self, conn: Connection, table: Table, column: str, batch: list[dict[str, Any]]) -> None:
        taken = _taken(conn, table, column, batch)
        if taken is None:
            return
        if table.name == ownership.ROOT:
            raise BackupRefused(
                f"the organisation {self.organisation.slug!r} is still on this installation (its {column} "
                "is taken): restore it only after it has left, or into a fresh installation"
            )
        shown = f"{taken!r} " if isinstance(taken, int | str) else ""
        why = (
            " (SQLite hands out the highest ids of erased rows again: restore into a fresh installation)"
            if column == "id" and conn.dialect.name == "sqlite"
            else ""
        )
        raise BackupRefused(
            f"{table.name}.{column} {shown}is already taken on this installation{why}, so the "
            "organisation's rows cannot come back with their own values"
        )


def _taken(conn: Connection, table: Table, column: str, batch: list[dict[str, Any]]) -> Any:
    """A value of ``column`` in ``batch`` that the table holds already, or None."""
    values = {row[column] for row in batch if row.get(column) is not None}
    if not values or column not in table.c:
        return None
    return conn.scalars(select(table.c[column]).where(table.c[column].in_(values)).limit(1)).first()


def _adopt_or_match(conn: Connection, table: Table, batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A fresh installation adopts the backup's code salt; any other must already have it."""
    if len(batch) != 1:
        raise BackupRefused("the organisation's backup holds no single installation row")
    here = conn.execute(select(table.c.id, table.c.code_salt)).first()
    if here is None:
        return batch
    if here.id != batch[0]["id"] or here.code_salt != batch[0]["code_salt"]:
        raise BackupRefused(
            "this installation has another code salt than the organisation's own: its reporters' codes "
            "would open nothing here. Restore it into its own installation or into a fresh one"
        )
    return []  # the same installation: its row stays as it is


def _unique_columns(table: Table) -> list[str]:
    """The columns whose values alone must be free: a one-column unique rule, then the primary
    key (a taken user name is named before a taken id). Unique rules over several columns include
    an id checked here already."""
    found: list[str] = []
    groups = [list(rule.columns) for rule in table.constraints if isinstance(rule, UniqueConstraint)]
    groups += [list(index.columns) for index in table.indexes if index.unique]
    groups += [list(table.primary_key.columns)]
    for group in groups:
        if len(group) == 1 and group[0].name not in found:
            found.append(group[0].name)
    return found


def _drop_dangling(conn: Connection, table: Table, batch: list[dict[str, Any]]) -> None:
    """A reference that may be NULL (an audit event's actor: the installation's operator) to a
    row this installation lacks becomes NULL, as if that row had been deleted."""
    for key in table.foreign_keys:
        if (key.ondelete or "").upper() != "SET NULL":
            continue
        column, target = key.parent.name, key.column
        values = {row[column] for row in batch if row[column] is not None}
        if not values:
            continue
        present = set(conn.scalars(select(target).where(target.in_(values))))
        for row in batch:
            if row[column] is not None and row[column] not in present:
                row[column] = None
