"""Erasing a case: by an admin from the case page, or by the retention purge (DESIGN.md §4).

One function for both, so that both leave the same trace, and so that the purge, which runs from
the command line and is checked at start-up, does not need the moderators' package.

Deleting the rows is not enough against a stolen database (DESIGN.md §2, threats 2 and 6): the
bytes of a deleted row stay in the SQLite WAL and in PostgreSQL's dead tuples. So :func:`erase`
marks its transaction for ``portal.scrub``, which cleans the case tables' leftovers out of the
files once it has committed.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .. import audit, scrub
from ..audit import Event
from ..models import Attachment, Message, Note, Report, RetentionPostponement, User

# The tables that hold a case's ciphertext (their TOAST tables are vacuumed with them).
CASE_TABLES = tuple(
    model.__tablename__ for model in (Report, Message, Attachment, Note, RetentionPostponement)
)


def erase(db: Session, report_id: int, actor: User | None, *, vacuum: bool = True) -> None:
    """Erase a case with its messages, notes, files and key wraps; the audit log keeps only its number.

    After the commit the stored bytes are cleaned (see the module). ``vacuum=False`` is for a
    caller that erases many cases, one transaction each, and calls :func:`vacuum` after the last:
    on PostgreSQL one VACUUM then serves them all.
    """
    # The event goes into the case's organisation's log, also when no actor names one (the
    # retention purge of an installation with several organisations).
    organisation_id = db.scalar(select(Report.organisation_id).where(Report.id == report_id))
    db.execute(delete(Report).where(Report.id == report_id))
    audit.record(db, Event.CASE_ERASED, actor, audit.case_subject(report_id), organisation_id=organisation_id)
    scrub.after_commit(db, CASE_TABLES, vacuum=vacuum)


def vacuum(app: Flask) -> None:
    """After a batch of ``erase(..., vacuum=False)``: one VACUUM on PostgreSQL (SQLite checkpointed each)."""
    scrub.vacuum(app, CASE_TABLES)
