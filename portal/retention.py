"""Retention (DESIGN.md §4): closed cases are erased once the retention period has passed."""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import audit
from .cases import erasure
from .db import transaction
from .domain import Status
from .models import AuditEvent, Report

# The purge is scheduled daily; a last run older than this means the schedule has stopped
# (check-config fails, status says so) and closed cases outlive their retention period.
PURGE_MAX_AGE = dt.timedelta(days=2)


def expired(db: Session, today: dt.date, retention_days: int) -> list[int]:
    cutoff = today - dt.timedelta(days=retention_days)
    query = (
        select(Report.id).where(Report.status == Status.CLOSED, Report.closed_on < cutoff).order_by(Report.id)
    )
    return list(db.scalars(query))


def purge_expired(today: dt.date, retention_days: int) -> list[int]:
    """Erase each expired case in its own transaction, with only "case N erased" in the audit log.

    One transaction per case: a run that fails half-way keeps every case it erased (and its
    event), and the next run carries on. On SQLite each commit checkpoints the WAL; on
    PostgreSQL one VACUUM after the last case removes the dead tuples of all of them (every run
    VACUUMs, so one that stopped half-way is finished by the next). Every run that gets to the
    end, even one that erased nothing, leaves a ``retention:purge:ran`` event, committed last: it
    is how check-config and ``status`` know that the schedule runs. Needs the app context (a
    command's).
    """
    with transaction() as db:
        due = expired(db, today, retention_days)
    erased = []
    for report_id in due:
        with transaction() as db:
            erasure.erase(db, report_id, actor=None, vacuum=False)
        erased.append(report_id)
    erasure.vacuum(current_app)  # one VACUUM for the whole run (PostgreSQL)
    with transaction() as db:
        audit.record(db, audit.Event.RETENTION_PURGE_RAN)
    return erased


def last_purge(db: Session) -> dt.datetime | None:
    """When purge-expired last completed (UTC), or None if it never ran."""
    query = select(func.max(AuditEvent.at)).where(AuditEvent.event == str(audit.Event.RETENTION_PURGE_RAN))
    result: dt.datetime | None = db.scalar(query)
    return result


def purge_is_late(last_run: dt.datetime | None, now: dt.datetime) -> bool:
    return last_run is None or now - last_run > PURGE_MAX_AGE
