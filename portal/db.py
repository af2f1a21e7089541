"""Engine, one SQLAlchemy session per request or command (SQLAlchemy 2.x only), and Alembic's
configuration on that engine.

The transaction rule (DESIGN.md §6, docs/development.md *Transactions*): services add and flush,
never commit. A request's transaction is committed here, once, after the view has answered: when
the answer is below 400 it commits, otherwise it rolls back, so that a refused form never leaves
half a record (``pyramid_tm``'s commit veto). A refusal whose writes must stand (a failed log-in
counts towards the lock-out) says so with :func:`keep_writes`. Commands and timers have no
request: they write inside :func:`transaction`.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic.config import Config as AlembicConfig
from flask import Flask, Response, current_app, g, request
from sqlalchemy import DateTime, Enum, MetaData, create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from . import file_modes

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# Marks in the request's WSGI environ (one request's, even where tests share an app context).
_KEEP_WRITES = "portal.keep_writes"  # this refusal's writes stand (keep_writes)
_COMMIT_FAILED = "portal.commit_failed"  # this request's commit failed (commit_failed)

# Stable constraint names so that Alembic migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes on every backend (SQLite would otherwise drop the zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)


def string_enum(enum_type: type[enum.Enum]) -> Enum:
    """A column type for an enum: stored as the members' values in a plain string column, the
    same schema on SQLite and PostgreSQL (no native enum type to migrate when a value is added)."""
    return Enum(enum_type, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e])


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:" and not database.startswith("file:"):
            # 0600 before SQLite opens it: its -wal and -shm take the database file's mode.
            file_modes.sqlite_files(Path(database))
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL + synchronous=FULL: a commit that was acknowledged is on disk (fsync'd) and
    # survives a crash or power loss; foreign keys are off by default in SQLite. secure_delete:
    # a deleted row's bytes are overwritten with zeros, not left in the page's free space for a
    # stolen file to show (an erased case; the WAL's older copies go at the checkpoint after the
    # erase or a key change, portal/scrub.py).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def init_app(app: Flask, engine: Engine) -> None:
    app.extensions["portal.engine"] = engine
    app.extensions["portal.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    # Registered first, so it runs after every other after_request hook (Flask runs them in
    # reverse), on the final status; and before the cookie session is saved, which Flask does
    # after all of them (security/sessions.py writes its own row in its own transaction).
    app.after_request(_end_transaction)
    app.teardown_appcontext(_close_session)


def new_session() -> Session:
    """A new session from the app's own factory, with the same options as a request's; the
    caller closes it. Commands write through :func:`transaction` instead."""
    session: Session = current_app.extensions["portal.sessionmaker"]()
    return session


@contextmanager
def transaction() -> Iterator[Session]:
    """A command's or timer's unit of work: committed when the block ends, rolled back if it
    raises (``SystemExit`` from a refused command too), closed either way.

    A loop whose items must each stand on their own (the retention purge erases case by case, so
    a crash keeps what was erased) opens one ``transaction()`` per item.
    """
    with new_session() as db:
        try:
            yield db
        except BaseException:
            db.rollback()
            raise
        db.commit()


def db_session() -> Session:
    """The request's session; services receive it explicitly."""
    if "db_session" not in g:
        g.db_session = new_session()
    session: Session = g.db_session
    return session


def engine() -> Engine:
    result: Engine = current_app.extensions["portal.engine"]
    return result


def alembic_config() -> AlembicConfig:
    """Alembic on the app's engine: ``db`` commands, and the head that backups and check-config compare."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine()
    return config


def keep_writes() -> None:
    """Commit this request's writes although its answer is a refusal (4xx, never a 5xx).

    For refusals that are themselves a fact to keep: a failed log-in's count towards the
    lock-out and its audit event, the audit event of a case page shown again beside a refused
    form. Only where the refused change itself wrote nothing (services raise their named
    exceptions before they change anything): everything the request wrote is kept.
    """
    request.environ[_KEEP_WRITES] = True


def commit_failed() -> bool:
    """Did this request's commit fail? Then it answers 500, and what the view put in the cookie
    session for its answer (a receipt's code, a log-in) must not be saved either: the rows it
    stands for were rolled back (``security/sessions.py`` asks)."""
    return bool(request.environ.get(_COMMIT_FAILED, False))


def _end_transaction(response: Response) -> Response:
    """The one commit of a request: after the view, before the answer (and its receipt) leaves."""
    session: Session | None = g.get("db_session")
    if session is None:
        return response
    status = response.status_code
    refused = status >= 400 and not (status < 500 and request.environ.get(_KEEP_WRITES, False))
    if refused or commit_failed():
        session.rollback()
        return response
    try:
        session.commit()
    except BaseException:
        request.environ[_COMMIT_FAILED] = True
        session.rollback()
        raise  # Flask answers 500; this hook runs again for that answer, and rolls back
    return response


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        # Whatever a request did not commit is rolled back: never a half-stored record.
        session.rollback()
        session.close()
