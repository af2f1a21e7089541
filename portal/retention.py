"""Retention (DESIGN.md §4): closed cases are erased once the retention period has passed.

Each organisation keeps its cases for its own period (issue 14): ``organisations.retention_days``,
which its admins set (portal/moderation/admin/retention_period.py), or the installation's
PORTAL_RETENTION_DAYS while it is empty. Each organisation's purge is recorded in its own audit
log; the schedule is late as soon as one organisation's last purge is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import audit, organisations, scoping
from .cases import erasure
from .db import transaction
from .domain import Status
from .models import AuditEvent, Organisation, Report, User

# The purge is scheduled daily; a last run older than this means the schedule has stopped
# (check-config fails, status says so) and closed cases outlive their retention period.
PURGE_MAX_AGE = dt.timedelta(days=2)
# What an admin may set (days): a month at least, so that a typing slip erases nothing that was
# closed last week; ten years at most, beyond any archive rule a municipality keeps cases for.
PERIOD_MIN = 30
PERIOD_MAX = 3650


def period(organisation: Organisation, default_days: int) -> int:
    """The organisation's retention period in days: its own, else the installation's."""
    return organisation.retention_days if organisation.retention_days is not None else default_days


def set_period(db: Session, organisation: Organisation, days: int | None, actor: User) -> None:
    """An admin's choice for their organisation (None: the installation's period), in its log."""
    if days is not None and not PERIOD_MIN <= days <= PERIOD_MAX:
        raise ValueError(f"a retention period is {PERIOD_MIN} to {PERIOD_MAX} days, not {days}")
    if organisation.retention_days == days:
        return
    organisation.retention_days = days
    subject = f"retention:{days if days is not None else 'default'}"
    audit.record(db, audit.Event.RETENTION_PERIOD_CHANGED, actor, subject, organisation_id=organisation.id)


def own_periods(db: Session) -> dict[str, int]:
    """The organisations with a period of their own, by slug (the others keep the installation's)."""
    query = select(Organisation.slug, Organisation.retention_days).where(
        Organisation.retention_days.is_not(None)
    )
    return {slug: days for slug, days in db.execute(query.order_by(Organisation.slug)) if days is not None}


def period_of(db: Session, organisation_id: int, default_days: int) -> int:
    """The retention period of the organisation with this id (see :func:`period`)."""
    return period(organisations.get(db, organisation_id), default_days)


def erasure_date(closed_on: dt.date, retention_days: int, extra_days: int) -> dt.date:
    """The day the purge erases a case closed on ``closed_on``: the first day after closing plus
    the organisation's period plus the days admins postponed it by (``retention_extra_days``)."""
    return closed_on + dt.timedelta(days=retention_days + extra_days + 1)


@dataclass(frozen=True)
class Erasure:
    """A closed case and the day it is erased."""

    report_id: int
    on: dt.date


def erasures(db: Session, organisation_id: int, retention_days: int, by: dt.date) -> list[Erasure]:
    """The organisation's closed cases erased on ``by`` or before (their day may have passed, if
    the purge has not run since), soonest first, then by number.

    Postponing only ever delays, so SQL keeps the cases whose period alone ends by then; their
    postponed days are added here (date arithmetic on a column differs between SQLite and
    PostgreSQL). Asked in a moderator's request, the scope keeps it to the cases they may read.
    """
    latest_closing = by - dt.timedelta(days=retention_days + 1)
    query = select(Report.id, Report.closed_on, Report.retention_extra_days).where(
        Report.organisation_id == organisation_id,
        Report.status == Status.CLOSED,
        Report.closed_on <= latest_closing,
    )
    found = [
        Erasure(report_id, erasure_date(closed_on, retention_days, extra))
        for report_id, closed_on, extra in db.execute(query)
        if closed_on is not None
    ]
    return sorted((e for e in found if e.on <= by), key=lambda e: (e.on, e.report_id))


# The dashboard lists this many of the cases soon erased, soonest first, and counts them all.
WARNING_LIST = 50


@dataclass(frozen=True)
class ErasureWarning:
    """The closed cases erased within ``days`` (PORTAL_RETENTION_WARNING_DAYS): all counted, the
    soonest listed."""

    days: int
    total: int
    soonest: list[Erasure]


def warning(
    db: Session, organisation: Organisation, default_days: int, warning_days: int, today: dt.date
) -> ErasureWarning | None:
    """None when the warning is off (0 days)."""
    if warning_days <= 0:
        return None
    by = today + dt.timedelta(days=warning_days)
    soon = erasures(db, organisation.id, period(organisation, default_days), by)
    return ErasureWarning(warning_days, len(soon), soon[:WARNING_LIST])


def expired(db: Session, organisation_id: int, today: dt.date, retention_days: int) -> list[int]:
    """The closed cases whose erasure date (:func:`erasure_date`) is today or has passed."""
    return sorted(e.report_id for e in erasures(db, organisation_id, retention_days, today))


@dataclass(frozen=True)
class Purge:
    """One organisation's part of a run (``slug`` None: an installation without organisations)."""

    slug: str | None
    days: int
    erased: list[int]


def purge_expired(today: dt.date, default_days: int) -> list[Purge]:
    """Erase each organisation's expired cases after its own period, each case in its own
    transaction, leaving its figures (``erased_cases``) and its events under a token
    (``cases/erasure.py``).

    One transaction per case: a run that fails half-way keeps every case it erased (and its
    event), and the next run carries on. On SQLite each commit checkpoints the WAL; on
    PostgreSQL one VACUUM after the last case removes the dead tuples of all of them (every run
    VACUUMs, so one that stopped half-way is finished by the next). Every run that gets to the
    end, even one that erased nothing, leaves a ``retention:purge:ran`` event in each
    organisation's log (an installation without organisations: in its own), committed last: it
    is how check-config and ``status`` know that the schedule runs. Needs the app context (a
    command's).
    """
    runs: list[tuple[int | None, Purge]] = []
    with transaction() as db:
        for row in organisations.all_of(db):
            days = period(row, default_days)
            runs.append((row.id, Purge(row.slug, days, expired(db, row.id, today, days))))
    for _organisation_id, purge in runs:
        for report_id in purge.erased:
            with transaction() as db:
                erasure.erase(db, report_id, actor=None, vacuum=False)
    erasure.vacuum(current_app)  # one VACUUM for the whole run (PostgreSQL)
    with transaction() as db:
        if not runs:
            audit.record(db, audit.Event.RETENTION_PURGE_RAN, installation_wide=True)
            return [Purge(None, default_days, [])]
        for organisation_id, _purge in runs:
            audit.record(db, audit.Event.RETENTION_PURGE_RAN, organisation_id=organisation_id)
    return [purge for _organisation_id, purge in runs]


def last_purges(db: Session) -> dict[int, dt.datetime]:
    """Each organisation's last completed purge (UTC) by its id; one that never ran is missing.
    Read across organisations (the operator's page asks too): the times of one event, nothing else."""
    query = (
        select(AuditEvent.organisation_id, func.max(AuditEvent.at))
        .where(
            AuditEvent.event == str(audit.Event.RETENTION_PURGE_RAN), AuditEvent.organisation_id.is_not(None)
        )
        .group_by(AuditEvent.organisation_id)
        .execution_options(**scoping.EVERY_ORGANISATION)
    )
    return {organisation_id: at for organisation_id, at in db.execute(query) if organisation_id is not None}


def last_purge(db: Session) -> dt.datetime | None:
    """When purge-expired last completed for every organisation that takes reports (UTC): the
    oldest of their last runs, None while one of them has never had one. An organisation still
    waiting for its first admin has nothing to purge and does not count. Without such
    organisations, the installation's own last run."""
    ids = set(db.scalars(select(Organisation.id).where(Organisation.public_key.is_not(None))))
    if not ids:
        ran = AuditEvent.event == str(audit.Event.RETENTION_PURGE_RAN)
        result: dt.datetime | None = db.scalar(select(func.max(AuditEvent.at)).where(ran))
        return result
    last = {organisation_id: at for organisation_id, at in last_purges(db).items() if organisation_id in ids}
    return min(last.values()) if set(last) == ids else None


def purge_is_late(last_run: dt.datetime | None, now: dt.datetime) -> bool:
    return last_run is None or now - last_run > PURGE_MAX_AGE
