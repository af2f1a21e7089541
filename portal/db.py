"""Engine, one SQLAlchemy session per request or command (SQLAlchemy 2.x only), and Alembic's
configuration on that engine."""

from __future__ import annotations

import datetime as dt
import enum
from pathlib import Path
from typing import Any

from alembic.config import Config as AlembicConfig
from flask import Flask, current_app, g
from sqlalchemy import DateTime, Enum, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

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
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL + synchronous=FULL: a commit that was acknowledged is on disk (fsync'd) and
    # survives a crash or power loss; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def init_app(app: Flask, engine: Engine) -> None:
    app.extensions["portal.engine"] = engine
    app.extensions["portal.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def new_session() -> Session:
    """A new session from the app's own factory, with the same options as a request's; the
    caller closes it (``with new_session() as db``). For commands, which have no request."""
    session: Session = current_app.extensions["portal.sessionmaker"]()
    return session


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


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        # Whatever a request did not commit is rolled back: never a half-stored record.
        session.rollback()
        session.close()
