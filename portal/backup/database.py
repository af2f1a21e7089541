"""What a backup reads and a restore writes: the tables, the revision, and the transactions.

The tables are *reflected* from the database, not taken from the models: a backup then holds
exactly the schema Alembic left (whatever modules the models live in), and a restore can write
an older backup into a database migrated to that older revision, before ``db upgrade``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic.migration import MigrationContext
from sqlalchemy import Connection, Engine, Integer, MetaData, Table, false, func, literal, select

from ..models import ServerSession

# Live sessions are not backed up: restored, they would bring back log-ins (and reporters'
# open cases) that ended long ago. Alembic's own table says which revision, and is not data.
SKIPPED_TABLES = frozenset({ServerSession.__tablename__, "alembic_version"})
# Rows that `db upgrade` itself writes (migration 0004's default forum boards, whose names 0007
# moves into forum_board_texts): a new, unused database has them, and a restore replaces them
# with the backup's own. Migration 0015 gives those boards to organisation #1, which it makes for
# them in a new database, with the installation's row (a restore adopts the backup's salt).
SEEDED_BY_MIGRATIONS = frozenset(
    {"forum_boards", "forum_board_texts", "forum_board_organisations", "organisations", "installation"}
)


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction that sees one consistent state of every table."""
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if not sqlite:
            conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with conn.begin():
            if sqlite:
                # pysqlite starts no transaction for SELECTs: without BEGIN each query would see
                # the latest commit. In WAL mode the first read fixes the snapshot; writers go on.
                conn.exec_driver_sql("BEGIN")
            yield conn


@contextmanager
def exclusive(engine: Engine) -> Iterator[Connection]:
    """A write transaction in which no other writer can slip between our checks and inserts."""
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if not sqlite:
            conn.execution_options(isolation_level="SERIALIZABLE")
        with conn.begin():
            if sqlite:
                conn.exec_driver_sql("BEGIN IMMEDIATE")  # takes the write lock before the checks
            yield conn


def revision(conn: Connection) -> str | None:
    heads = MigrationContext.configure(conn).get_current_heads()
    return ",".join(sorted(heads)) or None


def tables(conn: Connection) -> list[Table]:
    """Every table with data worth keeping, parents before children (foreign-key order)."""
    metadata = MetaData()
    metadata.reflect(bind=conn)
    return [table for table in metadata.sorted_tables if table.name not in SKIPPED_TABLES]


def occupied(conn: Connection, candidates: list[Table]) -> list[str]:
    """Tables holding rows that were not put there by the migrations."""
    return [
        table.name
        for table in candidates
        if table.name not in SEEDED_BY_MIGRATIONS
        and conn.execute(select(literal(1)).select_from(table).limit(1)).first() is not None
    ]


def clear_seeded(conn: Connection, candidates: list[Table]) -> None:
    """Remove the migrations' own rows; only call it once :func:`occupied` found nothing else."""
    for table in reversed(candidates):
        if table.name in SEEDED_BY_MIGRATIONS:
            conn.execute(table.delete())


def reset_sequences(conn: Connection, restored: list[Table]) -> None:
    """PostgreSQL: restored rows came with their ids, so move each id sequence past them."""
    if conn.dialect.name != "postgresql":
        return  # SQLite takes the next id from the table itself
    preparer = conn.dialect.identifier_preparer
    for table in restored:
        for column in table.primary_key.columns:
            if not isinstance(column.type, Integer):
                continue
            sequence = conn.scalar(
                select(func.pg_get_serial_sequence(preparer.format_table(table), column.name))
            )
            if sequence is None:
                continue
            following = func.coalesce(select(func.max(column)).scalar_subquery(), 0) + 1
            conn.execute(select(func.setval(sequence, following, false())))
