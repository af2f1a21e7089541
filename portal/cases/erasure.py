"""Erasing a case: by an admin from the case page, or by the retention purge (DESIGN.md §4).

One function for both, so that both leave the same trace, and so that the purge, which runs from
the command line and is checked at start-up, does not need the moderators' package.
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from .. import audit
from ..audit import Event
from ..models import Report, User


def erase(db: Session, report_id: int, actor: User | None) -> None:
    """Erase a case with its messages, notes, files and key wraps; the audit log keeps only its number."""
    db.execute(delete(Report).where(Report.id == report_id))
    audit.record(db, Event.CASE_ERASED, actor, audit.case_subject(report_id))
