"""Searching what a database keeps in its files, not in its rows (threats 2 and 6: a stolen copy).

A deleted or overwritten value is gone from the tables but may still sit in the bytes: on
SQLite in the ``-wal`` (until a checkpoint) and in a page's free space (unless ``secure_delete``
zeroes it); on PostgreSQL as a dead tuple (until VACUUM). These helpers read those bytes: the
SQLite database file with its ``-wal`` and ``-shm``; on PostgreSQL every tuple, live or dead, of
every page of the named tables and their TOAST tables, through ``pageinspect``.

Used by the erasure proofs (``tests/security/test_erasure_at_rest.py``) and by those of key
rotation and disabling (``tests/security/test_key_leftovers.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from portal.config import Config
from tests.scratch_backend import ReusedDatabase
from tests.settings import PG_URL


def needles(values: dict[str, bytes]) -> dict[str, bytes]:
    """Each value whole, and a 32-byte slice from its middle (found even if the value was split up)."""
    found = {}
    for name, value in values.items():
        middle = len(value) // 2
        found[name] = value
        found[name + " (slice)"] = value[middle - 16 : middle + 16]
    return found


def sqlite_bytes(app: Flask) -> dict[str, bytes]:
    database = Path(make_url(app.config["PORTAL"].sqlalchemy_url).database or "")
    files = [database, database.with_name(database.name + "-wal"), database.with_name(database.name + "-shm")]
    return {path.name: path.read_bytes() for path in files if path.exists()}


OWN_DATABASE = ReusedDatabase(PG_URL)  # closed by the session fixture in tests/conftest.py


@contextmanager
def database_of_its_own(config: Config, backend: str) -> Iterator[Config]:
    """On PostgreSQL, a database of its own rather than a schema of the shared one: VACUUM keeps a
    dead tuple that any open transaction in the same database might still see, and other test
    runs on the shared database keep transactions open all the time (the proof could not pass).
    Its tables are made and emptied as the ``app`` fixture's are."""
    if backend == "sqlite":
        yield config
        return
    with OWN_DATABASE.lend() as url:
        yield config.replace(database_url=url)


def _pageinspect(app: Flask) -> None:
    try:
        with (
            app.extensions["portal.engine"].connect().execution_options(isolation_level="AUTOCOMMIT") as conn
        ):
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect WITH SCHEMA public"))
    except SQLAlchemyError as exc:
        pytest.skip(f"pageinspect is not available on this PostgreSQL server: {exc}")


def postgres_tuples(app: Flask, tables: Iterable[str]) -> dict[str, bytes]:
    """The data of every tuple, live or dead, on every page of ``tables`` and their TOAST tables."""
    _pageinspect(app)
    found: dict[str, bytes] = {}
    with app.extensions["portal.engine"].connect() as conn:
        for table in tables:
            toast = conn.scalar(
                text("SELECT reltoastrelid::regclass::text FROM pg_class WHERE oid = CAST(:t AS regclass)"),
                {"t": table},
            )
            for relation in (table, toast):
                if not relation or relation == "-":
                    continue
                pages = conn.scalar(
                    text(
                        "SELECT pg_relation_size(CAST(:r AS regclass)) / current_setting('block_size')::int"
                    ),
                    {"r": relation},
                )
                chunks = [
                    bytes(data)
                    for page in range(int(pages or 0))
                    for data in conn.scalars(
                        text("SELECT t_data FROM public.heap_page_items(public.get_raw_page(:r, :n))"),
                        {"r": relation, "n": page},
                    )
                    if data is not None
                ]
                found[relation] = b"\x00".join(chunks)
    return found


def stored_bytes(app: Flask, tables: Iterable[str]) -> dict[str, bytes]:
    """SQLite: the whole files (``tables`` do not matter); PostgreSQL: the tuples of ``tables``."""
    if app.extensions["portal.engine"].dialect.name == "sqlite":
        return sqlite_bytes(app)
    return postgres_tuples(app, tables)


def where_found(app: Flask, needles: dict[str, bytes], tables: Iterable[str]) -> list[str]:
    return [
        f"{name} in {where}"
        for where, data in stored_bytes(app, tables).items()
        for name, needle in needles.items()
        if needle in data
    ]


def assert_gone(app: Flask, needles: dict[str, bytes], tables: Iterable[str]) -> None:
    found = where_found(app, needles, tables)
    assert found == [], f"{len(found)} of {len(needles)} still stored: " + "; ".join(found)
