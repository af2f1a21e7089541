"""A throw-away PostgreSQL schema and Redis key prefix, for one test or one benchmark run.

Every user of the shared PostgreSQL database and Redis server gets its own schema (reached
through ``search_path`` in the URL) and its own key prefix, and both are removed afterwards, so
that parallel runs never see each other's rows, sessions or rate-limit counters.

The ``app`` fixture's tests borrow a :class:`ReusedSchema` instead: one per test process, its
tables made once and emptied after each test. Making a schema's tables and dropping them again
cost half a second per test, most of a short test's time; emptying them costs a few
milliseconds, and a test starts with the same empty tables and sequences at 1 either way. Its
connections commit without waiting for the server's fsync (``synchronous_commit=off``: 2–7 ms a
commit on this machine's disk): a test sees the same rows, and the durability of a commit is
tested where it can be, with a server of the test's own that is really stopped
(``tests/faults``, ``tests/security/test_crash_recovery.py``). Benchmarks keep the server's own
setting.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError

from portal.db import Base, make_engine


def create_tables(url: str) -> None:
    """The portal's tables, empty, in the database (or schema) that ``url`` reaches."""
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()


@dataclass(frozen=True)
class Scratch:
    database_url: str  # the server's URL with search_path set to the scratch schema
    redis_prefix: str


def schema_url(pg_url: str, schema: str, **settings: str) -> str:
    """The server's URL with ``search_path`` (and any other ``settings``) set for every connection."""
    options = " ".join(f"-c{name}={value}" for name, value in {"search_path": schema, **settings}.items())
    return make_url(pg_url).update_query_dict({"options": options}).render_as_string(hide_password=False)


@contextmanager
def scratch_postgres(pg_url: str, redis_url: str, label: str = "t") -> Iterator[Scratch]:
    """Create a fresh schema and prefix; drop the schema and delete the prefix's keys on exit."""
    schema = f"{label}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    prefix = "test-" + schema
    try:
        yield Scratch(database_url=schema_url(pg_url, schema), redis_prefix=prefix)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
        forget_prefix(redis_url, prefix)


def forget_prefix(redis_url: str, prefix: str) -> None:
    """Delete every Redis key a portal with ``redis_prefix=prefix`` may have written."""
    import redis

    with redis.Redis.from_url(redis_url) as client:
        # Sessions live under the prefix; Flask-Limiter puts its own namespace in front, and the
        # limits storage its own in front of the failed-code counters (security/failed_codes.py).
        for pattern in (f"{prefix}:*", f"LIMITS:LIMITER/{prefix}:*", f"LIMITS:{prefix}:*"):
            keys = list(client.scan_iter(match=pattern))
            if keys:
                client.delete(*keys)


@dataclass
class ReusedSchema:
    """One process's schema with the portal's tables, lent to one test at a time.

    ``create_tables(url)`` makes the tables; ``tables`` names them parents first, so that they
    are emptied children first. A test that leaves the tables locked past a few seconds (a
    connection it did not close) gets a fresh schema next time, never a half-emptied one.
    """

    pg_url: str
    redis_url: str
    create_tables: Callable[[str], None]
    tables: Sequence[str]
    _schema: str = ""
    _admin: Engine | None = field(default=None, repr=False)

    @contextmanager
    def lend(self) -> Iterator[Scratch]:
        if not self._schema:
            self._schema = f"w_{uuid.uuid4().hex[:12]}"
            with self._engine().begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{self._schema}"'))
            self.create_tables(schema_url(self.pg_url, self._schema))
            self._without_autovacuum()
        prefix = f"test-{self._schema}-{uuid.uuid4().hex[:8]}"
        url = schema_url(self.pg_url, self._schema, synchronous_commit="off")
        try:
            yield Scratch(database_url=url, redis_prefix=prefix)
        finally:
            forget_prefix(self.redis_url, prefix)
            self._empty()

    def close(self) -> None:
        if self._schema:
            self._drop()
        if self._admin is not None:
            self._admin.dispose()

    def _engine(self) -> Engine:
        if self._admin is None:
            self._admin = create_engine(self.pg_url)
        return self._admin

    def _without_autovacuum(self) -> None:
        """A vacuum between two tests would let new rows fill the old ones' space, so that rows
        came back in another order than inserted, unlike in new tables: a query without ORDER BY
        would pass or fail by the vacuum's timing."""
        with self._engine().begin() as conn:
            names = conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = :s"), {"s": self._schema}
            ).scalars()
            for name in list(names):
                conn.execute(
                    text(
                        f'ALTER TABLE "{self._schema}"."{name}" '
                        "SET (autovacuum_enabled = false, toast.autovacuum_enabled = false)"
                    )
                )

    def _empty(self) -> None:
        schema = self._schema
        try:
            with self._engine().begin() as conn:
                conn.execute(text("SET LOCAL lock_timeout = '5s'"))
                present = set(
                    conn.execute(
                        text("SELECT tablename FROM pg_tables WHERE schemaname = :s"), {"s": schema}
                    ).scalars()
                )
                known = [name for name in self.tables if name in present]
                for name in sorted(present - set(known)) + known[::-1]:
                    conn.execute(text(f'DELETE FROM "{schema}"."{name}"'))
                sequences = conn.execute(
                    text("SELECT sequencename FROM pg_sequences WHERE schemaname = :s"), {"s": schema}
                ).scalars()
                for sequence in list(sequences):
                    conn.execute(text(f'ALTER SEQUENCE "{schema}"."{sequence}" RESTART'))
        except OperationalError:
            self._drop()

    def _drop(self) -> None:
        schema, self._schema = self._schema, ""
        try:
            with self._engine().begin() as conn:
                conn.execute(text("SET LOCAL lock_timeout = '5s'"))
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        except OperationalError:
            pass  # still locked: left behind, and the next test gets a new schema


@dataclass
class ReusedDatabase:
    """A PostgreSQL database of this process's own with the portal's tables, for the proofs that
    VACUUM removed a value (``tests/stored_bytes.py``): they need a database where no other
    process keeps a transaction open. Made at its first use and dropped when the process ends
    (``close``: a dropped database costs the server a checkpoint, seconds when other tests
    write); after each test its tables are truncated, which leaves no dead tuple of that test for
    the next to find.
    """

    pg_url: str
    _url: str = ""

    @contextmanager
    def lend(self) -> Iterator[str]:
        if not self._url:
            name = "own_" + uuid.uuid4().hex[:12]
            server = create_engine(self.pg_url, isolation_level="AUTOCOMMIT")
            with server.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            server.dispose()
            self._url = make_url(self.pg_url).set(database=name).render_as_string(hide_password=False)
            create_tables(self._url)
        try:
            yield self._url
        finally:
            engine = create_engine(self._url)
            with engine.begin() as conn:
                names = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
                listed = ", ".join(f'public."{name}"' for name in names.scalars())
                conn.execute(text(f"TRUNCATE {listed} RESTART IDENTITY CASCADE"))
            engine.dispose()

    def close(self) -> None:
        if not self._url:
            return
        name, self._url = make_url(self._url).database, ""
        server = create_engine(self.pg_url, isolation_level="AUTOCOMMIT")
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()
