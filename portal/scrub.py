"""What deleted or overwritten rows leave in the database files, and cleaning it up after a commit.

Deleting a row, or overwriting a value, is not enough against a stolen database (DESIGN.md §2,
threats 2 and 6): the old bytes stay behind. SQLite zeroes them in the page (``secure_delete``,
set with the other pragmas in ``portal/db.py``), but the write-ahead log still holds the pages as
they were, until a checkpoint copies the newer ones back and truncates it; PostgreSQL keeps the
old row version as a dead tuple until VACUUM. It matters wherever the old value opens something:
an erased case (``cases/erasure.py``), the wraps that ``keys rotate`` replaces (the old recovery
wrap with the old recovery key, a moderator's old grant with their unchanged passphrase, the old
``key_sealed`` of every report: ``accounts/rotation.py``), a disabled moderator's key pair and
grant, and a session row whose cookie its owner still has (``accounts/service.py``).

A service that deletes or overwrites such values marks its transaction with :func:`after_commit`,
naming the tables. Once that transaction has committed (never inside it: a checkpoint cannot run
in a transaction, VACUUM neither) a listener on the app's sessions cleans up on a connection of
its own: on SQLite a ``wal_checkpoint(TRUNCATE)``, on PostgreSQL one VACUUM of the union of the
tables marked in that transaction. A clean-up that cannot finish never fails the transaction,
which has committed: it is logged (without saying of what), counted, and on SQLite retried at the
next commit of any transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

_MARK = "portal.scrub"  # session.info: the tables to VACUUM after this transaction (maybe none)
# A reader in the middle of a request holds the WAL for milliseconds; the clean-up waits this long
# for it, then gives up and leaves the checkpoint to the next commit.
CHECKPOINT_WAIT_MS = 1000


def after_commit(db: Session, tables: Iterable[str], *, vacuum: bool = True) -> None:
    """Clean what this transaction deletes or overwrites in ``tables`` out of the files, once it
    has committed (nothing happens if it rolls back).

    Several marks in one transaction add up: one checkpoint, one VACUUM of all their tables.
    ``vacuum=False`` is for a caller that commits many such transactions and calls
    :func:`vacuum` after the last (the retention purge): on PostgreSQL one VACUUM then serves
    them all; SQLite still checkpoints after each.
    """
    marked: set[str] = db.info.setdefault(_MARK, set())
    if vacuum:
        marked.update(tables)


class Cleaner:
    """Cleans what deleted and overwritten rows leave in the files of one engine, after each
    commit of a marked transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        self.pending = False  # a checkpoint that a reader held up, retried at the next commit
        self.incomplete = 0  # clean-ups that could not finish since the process started

    def committed(self, session: Session) -> None:
        marked: set[str] | None = session.info.pop(_MARK, None)
        if self.sqlite and marked is not None:
            self.checkpoint(wait_ms=CHECKPOINT_WAIT_MS)
        elif self.sqlite and self.pending:
            # No waiting here: a long reader (a backup) would otherwise slow every commit.
            self.checkpoint(wait_ms=0)
        elif marked:
            self.vacuum(marked)

    def rolled_back(self, session: Session) -> None:
        session.info.pop(_MARK, None)  # nothing was deleted or overwritten

    def checkpoint(self, wait_ms: int) -> None:
        """Copy the WAL into the database file and truncate it to zero bytes."""
        try:
            with self.engine.connect() as conn:
                before = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
                conn.exec_driver_sql(f"PRAGMA busy_timeout={int(wait_ms)}")
                try:
                    busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").scalar()
                finally:
                    conn.exec_driver_sql(f"PRAGMA busy_timeout={int(before or 0)}")
        except SQLAlchemyError as exc:
            self._incomplete("the WAL checkpoint after a clean-up commit failed (%s)", _kind(exc))
            return
        if busy:
            self._incomplete(
                "the WAL checkpoint after a clean-up commit could not complete: a reader holds the WAL"
            )
        elif self.pending:
            self.pending = False
            log.info("the WAL checkpoint owed since an earlier clean-up commit has completed")

    def vacuum(self, tables: Iterable[str]) -> None:
        """VACUUM ``tables`` (their TOAST tables with them): their dead tuples become free space."""
        names = sorted(set(tables))
        try:
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM " + ", ".join(names))
        except SQLAlchemyError as exc:
            self._incomplete("VACUUM after a clean-up commit failed (%s)", _kind(exc))

    def _incomplete(self, message: str, *args: Any) -> None:
        # No case number, user or content: the log says that a clean-up is owed, not of what.
        if self.pending:
            return  # a retry that failed again: counted and logged once, when it was first owed
        self.incomplete += 1
        self.pending = self.sqlite
        retry = "; retried at each commit until it completes" if self.sqlite else ""
        log.warning(message + retry + "; %d so far since start", *args, self.incomplete)


def _kind(exc: SQLAlchemyError) -> str:
    return type(getattr(exc, "orig", None) or exc).__name__


def init_app(app: Flask) -> None:
    cleaner = Cleaner(app.extensions["portal.engine"])
    app.extensions["portal.scrub"] = cleaner
    sessions = app.extensions["portal.sessionmaker"]
    event.listen(sessions, "after_commit", cleaner.committed)
    event.listen(sessions, "after_rollback", cleaner.rolled_back)


def vacuum(app: Flask, tables: Iterable[str]) -> None:
    """After a batch marked ``vacuum=False``: one VACUUM of ``tables`` on PostgreSQL (SQLite
    checkpointed after each commit)."""
    cleaner: Cleaner = app.extensions["portal.scrub"]
    if not cleaner.sqlite:
        cleaner.vacuum(tables)
