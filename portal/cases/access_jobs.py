"""Sealing every case key a moderator may hold, as a job that no request waits for (issue 15).

A grant to a new moderator (or the conversion of a moderator who still holds the organisation
key, from before case keys) needs the report key of every case of the organisation sealed to
them: with 100 000 reports that is minutes of work, so the granting request only writes the job
row. Once that request has committed, a thread of the same process works through the reports in
batches of :data:`BATCH`, one transaction each, with the organisation's private key that the
admin's session opened: it lives in that thread's memory only, never in the job row. After every
batch the row records how far it got (the users page shows the progress) and a heartbeat.

A job whose heartbeat stopped (its process ended) is picked up again where it stopped the next
time an admin with the organisation key logs in or opens the users page. Only one thread works a
job at a time: it claims the job with a conditional UPDATE of the heartbeat.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import event, exists, func, select, update
from sqlalchemy.orm import Session

from .. import audit, organisations, scrub
from ..audit import Event
from ..db import transaction, utcnow
from ..models import AccessJob, CaseExclusion, CaseKey, Report, Role, User
from ..security.crypto import DecryptionFailed
from . import vault

log = logging.getLogger(__name__)

BATCH = 500
# A running job writes its heartbeat after every batch, a few tenths of a second apart: a minute
# without one means its thread is gone.
STALE_AFTER = dt.timedelta(seconds=60)
_LAUNCH = "portal.access_jobs"  # session.info: jobs to start once this transaction has committed
_running: dict[int, tuple[Flask, threading.Thread]] = {}


@dataclass(frozen=True)
class Progress:
    job_id: int
    username: str
    done: int
    total: int
    finished: bool


def start(db: Session, user: User, org_private_key: bytes) -> AccessJob:
    """A job sealing ``user``'s case keys, started when the caller's transaction commits."""
    assert user.organisation_id is not None
    total = db.scalar(
        select(func.count()).select_from(Report).where(Report.organisation_id == user.organisation_id)
    )
    job = AccessJob(organisation_id=user.organisation_id, user_id=user.id, total=total or 0)
    db.add(job)
    db.flush()
    _launch_after_commit(db, job.id, org_private_key)
    return job


def resume(db: Session, organisation_id: int, org_private_key: bytes) -> None:
    """What an admin's log-in (or users page) sets going with the organisation key it holds:
    a conversion job for every moderator still holding the organisation key, and every stopped
    job picked up again."""
    holders = db.scalars(
        select(User).where(
            User.organisation_id == organisation_id,
            User.role == Role.MODERATOR,
            User.active.is_(True),
            User.org_key_sealed.is_not(None),
            ~exists().where(AccessJob.user_id == User.id, AccessJob.finished_at.is_(None)),
        )
    )
    for user in holders:
        user.case_access = True
        start(db, user, org_private_key)
    stopped = db.scalars(
        select(AccessJob.id).where(
            AccessJob.organisation_id == organisation_id,
            AccessJob.finished_at.is_(None),
            AccessJob.heartbeat_at < utcnow() - STALE_AFTER,
        )
    )
    for job_id in stopped:
        _launch_after_commit(db, job_id, org_private_key)


def progress(db: Session, organisation_id: int) -> list[Progress]:
    """The organisation's unfinished jobs, and those finished in the last hour."""
    recent = utcnow() - dt.timedelta(hours=1)
    rows = db.execute(
        select(AccessJob, User.username)
        .join(User, User.id == AccessJob.user_id)
        .where(
            AccessJob.organisation_id == organisation_id,
            (AccessJob.finished_at.is_(None)) | (AccessJob.finished_at > recent),
        )
        .order_by(AccessJob.id)
    )
    return [Progress(job.id, name, job.done, job.total, job.finished_at is not None) for job, name in rows]


def _launch_after_commit(db: Session, job_id: int, org_private_key: bytes) -> None:
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    db.info.setdefault(_LAUNCH, []).append((app, job_id, org_private_key))


@event.listens_for(Session, "after_commit")
def _committed(db: Session) -> None:
    for app, job_id, key in db.info.pop(_LAUNCH, []):
        launch(app, job_id, key)


@event.listens_for(Session, "after_rollback")
def _rolled_back(db: Session) -> None:
    db.info.pop(_LAUNCH, None)


def launch(app: Flask, job_id: int, org_private_key: bytes) -> threading.Thread:
    running = _running.get(job_id)
    if running is not None and running[1].is_alive():
        return running[1]
    thread = threading.Thread(target=run, args=(app, job_id, org_private_key), daemon=True)
    _running[job_id] = (app, thread)
    thread.start()
    return thread


def wait(timeout: float | None = 60.0, app: Flask | None = None) -> None:
    """Until every job thread of this process (of ``app`` only, if given) has ended: tests, the
    ``keys`` commands, and an app's disposal."""
    for owner, thread in list(_running.values()):
        if app is None or owner is app:
            thread.join(timeout)


def run(app: Flask, job_id: int, org_private_key: bytes) -> None:
    """Work the job to its end, batch by batch; stop quietly if another thread holds it."""
    try:
        with app.app_context():
            with transaction() as db:
                if not _claim(db, job_id):
                    return
            while True:
                with transaction() as db:
                    if not step(db, job_id, org_private_key):
                        return
    except DecryptionFailed:
        # The organisation key was rotated under the job: an admin's next log-in resumes it.
        log.warning(
            "access job %s stopped: the organisation key it holds no longer opens the reports", job_id
        )
    except Exception:
        log.exception("access job %s stopped", job_id)
    finally:
        _running.pop(job_id, None)


def _claim(db: Session, job_id: int) -> bool:
    now = utcnow()
    claimed = db.connection().execute(
        update(AccessJob)
        .where(
            AccessJob.id == job_id,
            AccessJob.finished_at.is_(None),
            (AccessJob.heartbeat_at < now - STALE_AFTER) | (AccessJob.done == 0),
        )
        .values(heartbeat_at=now)
    )
    return bool(claimed.rowcount == 1)


def step(db: Session, job_id: int, org_private_key: bytes) -> bool:
    """Seal one batch of the job's case keys; False once there is nothing left (the job is then
    finished, and a converted moderator's copy of the organisation key removed)."""
    job = db.get(AccessJob, job_id)
    if job is None or job.finished_at is not None:
        return False
    # The same lock as a restriction of a case: what this batch reads of the exclusions stays true
    # until it has sealed.
    organisations.lock_for_sealing(db, job.organisation_id, share=True)
    user = db.get(User, job.user_id)
    if user is None or not _reads_cases(user):
        job.finished_at = utcnow()
        return False
    has_key = exists().where(CaseKey.report_id == Report.id, CaseKey.user_id == user.id)
    excluded = exists().where(CaseExclusion.report_id == Report.id, CaseExclusion.user_id == user.id)
    batch = db.execute(
        select(Report.id, Report.key_sealed, Report.only_assigned, Report.assignee_id, has_key, excluded)
        .where(Report.organisation_id == job.organisation_id, Report.id > job.last_report_id)
        .order_by(Report.id)
        .limit(BATCH)
    ).all()
    if not batch:
        _finish(db, job, user)
        return False
    assert user.public_key is not None
    for report_id, sealed, only_assigned, assignee_id, held, out in batch:
        if held or out or (only_assigned and assignee_id != user.id):
            continue
        report_key = vault.key_from_org_sealed(sealed, org_private_key)
        db.add(
            CaseKey(report_id=report_id, user_id=user.id, sealed=vault.case_key(report_key, user.public_key))
        )
    job.done = min(job.total, job.done + len(batch)) if job.total else job.done + len(batch)
    job.last_report_id = batch[-1][0]
    job.heartbeat_at = utcnow()
    return True


def _reads_cases(user: User) -> bool:
    return user.active and user.role is Role.MODERATOR and user.case_access and user.public_key is not None


def _finish(db: Session, job: AccessJob, user: User) -> None:
    job.finished_at = utcnow()
    job.done = job.total
    if user.org_key_sealed is not None:
        # Converted: from now on the moderator reads through case keys only, and the organisation
        # key sealed to them must not stay in the files either.
        user.org_key_sealed = None
        scrub.after_commit(db, (User.__tablename__,))
    audit.record(db, Event.USER_ACCESS_PREPARED, None, audit.user_subject(user.id), job.organisation_id)


def finish_all(db: Session, organisation_id: int) -> None:
    """``keys rotate`` sealed every case key itself: the organisation's jobs are done."""
    db.execute(
        update(AccessJob)
        .where(AccessJob.organisation_id == organisation_id, AccessJob.finished_at.is_(None))
        .values(finished_at=utcnow(), done=AccessJob.total)
    )
