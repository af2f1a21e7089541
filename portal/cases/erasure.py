"""Erasing a case: by an admin from the case page, or by the retention purge (DESIGN.md §4).

One function for both, so that both leave the same trace, and so that the purge, which runs from
the command line and is checked at start-up, does not need the moderators' package.

Deleting the rows is not enough against a stolen database (DESIGN.md §2, threats 2 and 6): the
bytes of a deleted row stay behind. SQLite zeroes them in the page (``secure_delete``, set with
the other pragmas in ``portal/db.py``), but the write-ahead log still holds the pages as they
were, until a checkpoint copies the newer ones back and truncates it; PostgreSQL keeps the row as
a dead tuple until VACUUM. So :func:`erase` marks its session, and once that transaction has
committed (never inside it: a checkpoint cannot run in a transaction, VACUUM neither) a listener
on the app's sessions cleans up on a connection of its own. A clean-up that cannot finish never
fails the erase, which has committed: it is logged, counted, and on SQLite retried at the next
commit of any transaction.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from sqlalchemy import delete, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from .. import audit
from ..audit import Event
from ..models import Attachment, Message, Note, Report, User

log = logging.getLogger(__name__)

_ERASED = "portal.erased"  # session.info: this transaction erased a case (True: VACUUM too)
# The tables that hold a case's ciphertext (their TOAST tables are vacuumed with them).
CASE_TABLES = tuple(model.__tablename__ for model in (Report, Message, Attachment, Note))
# A reader in the middle of a request holds the WAL for milliseconds; the erase waits this long
# for it, then gives up and leaves the checkpoint to the next commit.
CHECKPOINT_WAIT_MS = 1000


def erase(db: Session, report_id: int, actor: User | None, *, vacuum: bool = True) -> None:
    """Erase a case with its messages, notes, files and key wraps; the audit log keeps only its number.

    After the commit the stored bytes are cleaned (see the module). ``vacuum=False`` is for a
    caller that erases many cases, one transaction each, and calls :func:`vacuum` after the last:
    on PostgreSQL one VACUUM then serves them all.
    """
    db.execute(delete(Report).where(Report.id == report_id))
    audit.record(db, Event.CASE_ERASED, actor, audit.case_subject(report_id))
    db.info[_ERASED] = db.info.get(_ERASED, False) or vacuum


class Cleaner:
    """Cleans what erased rows leave in the files of one engine, after each commit that erased."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        self.pending = False  # a checkpoint that a reader held up, retried at the next commit
        self.incomplete = 0  # clean-ups that could not finish since the process started

    def after_commit(self, session: Session) -> None:
        marked = session.info.pop(_ERASED, None)
        if self.sqlite and marked is not None:
            self.checkpoint(wait_ms=CHECKPOINT_WAIT_MS)
        elif self.sqlite and self.pending:
            # No waiting here: a long reader (a backup) would otherwise slow every commit.
            self.checkpoint(wait_ms=0)
        elif marked:
            self.vacuum()

    def after_rollback(self, session: Session) -> None:
        session.info.pop(_ERASED, None)  # nothing was erased

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
            self._incomplete("the WAL checkpoint after an erase failed (%s)", _kind(exc))
            return
        if busy:
            self._incomplete("the WAL checkpoint after an erase could not complete: a reader holds the WAL")
        elif self.pending:
            self.pending = False
            log.info("the WAL checkpoint owed since an earlier erase has completed")

    def vacuum(self) -> None:
        """VACUUM the case tables: their dead tuples (erased rows) become free space."""
        try:
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM " + ", ".join(CASE_TABLES))
        except SQLAlchemyError as exc:
            self._incomplete("VACUUM after an erase failed (%s)", _kind(exc))

    def _incomplete(self, message: str, *args: Any) -> None:
        # No case number and no content: the log says that a clean-up is owed, not of what.
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
    app.extensions["portal.erasure_cleaner"] = cleaner
    sessions = app.extensions["portal.sessionmaker"]
    event.listen(sessions, "after_commit", cleaner.after_commit)
    event.listen(sessions, "after_rollback", cleaner.after_rollback)


def vacuum(app: Flask) -> None:
    """After a batch of ``erase(..., vacuum=False)``: one VACUUM on PostgreSQL (SQLite checkpointed each)."""
    cleaner: Cleaner = app.extensions["portal.erasure_cleaner"]
    if not cleaner.sqlite:
        cleaner.vacuum()
