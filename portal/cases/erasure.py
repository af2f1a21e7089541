"""Erasing a case: by an admin from the case page, or by the retention purge (DESIGN.md §4).

One function for both, so that both leave the same trace, and so that the purge, which runs from
the command line and is checked at start-up, does not need the moderators' package.

What stays (issue 15, part 4) is a statistical row (``ErasedCase``: month received, kind,
classification, outcome, weeks to acknowledgement and to feedback, whether it was also reported
to the incident system and to the police, the record key), so that last
year's figures do not shrink, and the case's events in the audit log, under a random token instead
of its number (``case:erased-3f9c…``): the events of one case still read together, but neither they
nor the statistical row say which case it was, and nothing joins the two. The row's id is drawn at
random too: ids in insertion order would line the rows up with the log's erasure events.

Deleting the rows is not enough against a stolen database (DESIGN.md §2, threats 2 and 6): the
bytes of a deleted row stay in the SQLite WAL and in PostgreSQL's dead tuples, and so do the
audit events' old subjects. So :func:`erase` marks its transaction for ``portal.scrub``, which
cleans those tables' leftovers out of the files once it has committed.
"""

from __future__ import annotations

import datetime as dt
import secrets

from flask import Flask
from sqlalchemy import String, delete, func, literal, select, update
from sqlalchemy.orm import Session

from .. import audit, scoping, scrub
from ..audit import Event
from ..models import (
    Attachment,
    AuditEvent,
    CaseKey,
    ErasedCase,
    Message,
    Note,
    Report,
    RetentionPostponement,
    User,
)
from .models import CaseMask

# The tables that hold a case's ciphertext or keys (their TOAST tables are vacuumed with them).
CASE_TABLES = tuple(
    model.__tablename__
    for model in (Report, Message, Attachment, Note, CaseKey, RetentionPostponement, CaseMask)
)
# What an erase deletes or overwrites: those, and the audit events whose subject named the case.
ERASE_TABLES = (*CASE_TABLES, AuditEvent.__tablename__)
# ``erased_cases.id``: drawn from 1 to this (a 32-bit integer column).
_MAX_ID = 2**31 - 1


def erase(db: Session, report_id: int, actor: User | None, *, vacuum: bool = True) -> None:
    """Erase a case with its messages, notes, files and key wraps; leave its statistical row, and
    its events in the audit log under a random token instead of its number.

    After the commit the stored bytes are cleaned (see the module). ``vacuum=False`` is for a
    caller that erases many cases, one transaction each, and calls :func:`vacuum` after the last:
    on PostgreSQL one VACUUM then serves them all.
    """
    report = db.get_one(Report, report_id)
    # The event goes into the case's organisation's log, also when no actor names one (the
    # retention purge of an installation with several organisations).
    organisation_id = report.organisation_id
    db.add(figures(db, report))
    db.execute(delete(Report).where(Report.id == report_id))
    token = erased_subject()
    _rename_events(db, organisation_id, audit.case_subject(report_id), token)
    audit.record(db, Event.CASE_ERASED, actor, token, organisation_id=organisation_id)
    scrub.after_commit(db, ERASE_TABLES, vacuum=vacuum)


def weeks(start: dt.date, end: dt.date | None) -> int | None:
    return None if end is None else (end - start).days // 7


def figures(db: Session, report: Report) -> ErasedCase:
    """The statistical row the case leaves: nothing in it names the case."""
    return ErasedCase(
        id=_free_id(db),
        organisation_id=report.organisation_id,
        month=report.created_on.replace(day=1),
        kind=report.kind,
        category=report.category,
        area=report.area,
        exerted_by=report.exerted_by,
        outcome=report.outcome,
        weeks_to_acknowledgement=weeks(report.created_on, report.acknowledged_on),
        weeks_to_feedback=weeks(report.created_on, report.feedback_on),
        reported_to_incident_system=report.reported_to_incident_system,
        reported_to_police=report.reported_to_police,
        record_key=report.record_key,
    )


def _free_id(db: Session) -> int:
    while True:
        candidate = secrets.randbelow(_MAX_ID) + 1
        taken = select(ErasedCase.id).where(ErasedCase.id == candidate)
        if db.scalar(taken.execution_options(**scoping.EVERY_ORGANISATION)) is None:
            return candidate


def erased_subject() -> str:
    """What stands for an erased case's number in the audit log: one random token per case."""
    return f"case:erased-{secrets.token_hex(8)}"


def _rename_events(db: Session, organisation_id: int, old: str, new: str) -> None:
    """``case:12`` and ``case:12:user:3`` become ``<new>`` and ``<new>:user:3`` (not ``case:120``).

    No index has the subject (one would keep the old subjects in its pages as well): this reads the
    organisation's log once, about 1.5 s on SQLite at a million events, 0.3 s on PostgreSQL."""
    named = (AuditEvent.subject == old) | AuditEvent.subject.startswith(old + ":", autoescape=True)
    renamed = literal(new, String()) + func.substr(AuditEvent.subject, len(old) + 1, type_=String())
    db.execute(
        update(AuditEvent)
        .where(AuditEvent.organisation_id == organisation_id, named)
        .values(subject=renamed)
        .execution_options(synchronize_session=False)
    )


def vacuum(app: Flask) -> None:
    """After a batch of ``erase(..., vacuum=False)``: one VACUUM on PostgreSQL (SQLite checkpointed each)."""
    scrub.vacuum(app, ERASE_TABLES)
