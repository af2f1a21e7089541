"""The access jobs that seal a moderator's case keys (``portal/cases/access_jobs.py``): resumed
where they stopped, converting a moderator who still holds the organisation key, and never a key
for a case the moderator may not read. ``BATCH`` is 2 here, so every job runs several batches."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import organisations
from portal.accounts import service as accounts
from portal.cases import access_jobs, vault
from portal.cases.access import Keyring
from portal.db import utcnow
from portal.models import AccessJob, AuditEvent, CaseExclusion, CaseKey, Report, User
from portal.security import user_keys
from tests.accounts import Account, AccountFactory, AuthActions, grant, keyring_of
from tests.moderation_helpers import case_html
from tests.unit.conftest import DESCRIPTION, ReportFactory


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(access_jobs, "BATCH", 2)


def _held(db: Session, user_id: int) -> set[int]:
    return set(db.scalars(select(CaseKey.report_id).where(CaseKey.user_id == user_id)))


def _opens_all(db: Session, user: User, password: str, app: Flask, report_ids: list[int]) -> None:
    """Every case key the user holds opens its report with their own private key."""
    keyring = keyring_of(user, password, app.config["PORTAL"])
    assert keyring.private_key is not None and keyring.org_private_key is None
    for report_id in report_ids:
        sealed = db.scalars(
            select(CaseKey.sealed).where(CaseKey.report_id == report_id, CaseKey.user_id == user.id)
        ).one()
        report = db.get_one(Report, report_id)
        assert vault.decrypt(vault.key_from_case_key(sealed, keyring.private_key), report.description) == (
            DESCRIPTION
        )


def _job_stopped_at(
    db: Session, user: User, report_ids: list[int], done: int, heartbeat_age: int
) -> tuple[int, int]:
    """A job row for ``user`` over ``report_ids`` that got ``done`` of them, last heard of
    ``heartbeat_age`` seconds ago; (job id, user id), committed."""
    job = AccessJob(
        organisation_id=user.organisation_id,
        user_id=user.id,
        total=len(report_ids),
        done=done,
        last_report_id=report_ids[done - 1],
        heartbeat_at=utcnow() - dt.timedelta(seconds=heartbeat_age),
    )
    db.add(job)
    db.commit()
    return job.id, user.id


def _resume(app: Flask, org_key: bytes) -> None:
    """An admin's request resumes the organisation's stopped jobs; wait for them to finish."""
    with app.test_request_context(), Session(app.extensions["portal.engine"]) as request_db:
        access_jobs.resume(request_db, organisations.only(request_db).id, org_key)
        request_db.commit()
    access_jobs.wait()


def test_a_job_whose_thread_died_is_resumed_where_it_stopped(
    app: Flask,
    db: Session,
    new_report: ReportFactory,
    moderator: AccountFactory,
    keys: Keyring,
    org_key: bytes,
) -> None:
    mona = moderator("mona")  # committed before the reports' flush takes the write lock
    report_ids = [new_report().id for _ in range(5)]
    user = accounts.find(db, "mona")
    assert user.public_key is not None
    user.case_access = True
    # The first batch was sealed before its process ended: two keys, the job row two done.
    for report_id in report_ids[:2]:
        report_key = vault.key_from_org(db.get_one(Report, report_id), org_key)
        db.add(
            CaseKey(report_id=report_id, user_id=user.id, sealed=vault.case_key(report_key, user.public_key))
        )
    job_id, user_id = _job_stopped_at(db, user, report_ids, done=2, heartbeat_age=61)
    assert access_jobs.progress(db, organisations.only(db).id)[0].done == 2

    _resume(app, org_key)

    db.expire_all()
    finished = db.get_one(AccessJob, job_id)
    assert finished.finished_at is not None and (finished.done, finished.total) == (5, 5)
    assert finished.last_report_id == report_ids[-1]
    assert _held(db, user_id) == set(report_ids)
    _opens_all(db, db.get_one(User, user_id), mona.password, app, report_ids)
    events = select(AuditEvent.event).where(AuditEvent.subject == f"user:{user_id}").order_by(AuditEvent.id)
    assert db.scalars(events).all()[-1] == ("user:casekeys:sealed")


def test_a_job_with_a_fresh_heartbeat_is_left_to_the_thread_working_it(
    app: Flask, db: Session, new_report: ReportFactory, moderator: AccountFactory, org_key: bytes
) -> None:
    """Another process is working it: resuming it would seal the same keys twice."""
    moderator("mona")
    report_ids = [new_report().id for _ in range(3)]
    user = accounts.find(db, "mona")
    user.case_access = True
    job_id, user_id = _job_stopped_at(db, user, report_ids, done=1, heartbeat_age=5)

    _resume(app, org_key)

    db.expire_all()
    untouched = db.get_one(AccessJob, job_id)
    assert (untouched.finished_at, untouched.done, untouched.last_report_id) == (None, 1, report_ids[0])
    assert _held(db, user_id) == set()


def test_a_moderator_holding_the_organisation_key_is_converted_at_their_log_in(
    app: Flask, client: FlaskClient, admin: Account, moderator: AccountFactory, auth: AuthActions
) -> None:
    engine = app.extensions["portal.engine"]
    mona = moderator("mona")
    with Session(engine) as db:
        report_ids = [ReportFactory(db)(DESCRIPTION).id for _ in range(5)]
        org_key = accounts.open_org_key(
            accounts.find(db, admin.username), admin.password, app.config["PORTAL"]
        )
        user = accounts.find(db, "mona")
        user_keys.seal_org_key(user, org_key)  # as a grant did before case keys (migration 0019)
        user.case_access = True
        db.commit()
        user_id = user.id
        assert _held(db, user_id) == set()

    assert auth.login(mona).status_code == 302
    access_jobs.wait()

    with Session(engine) as db:
        user = db.get_one(User, user_id)
        assert user.org_key_sealed is None and user.case_access is True
        assert _held(db, user_id) == set(report_ids)
        _opens_all(db, user, mona.password, app, report_ids)
        job = db.scalars(select(AccessJob).where(AccessJob.user_id == user_id)).one()
        assert job.finished_at is not None and job.done == job.total == 5
        assert (
            "user:casekeys:sealed"
            in db.scalars(select(AuditEvent.event).where(AuditEvent.subject == f"user:{user_id}")).all()
        )
    # Her own private key, which her log-in put in the session, opens the case through its key.
    assert DESCRIPTION in case_html(client, report_ids[0])


def test_a_job_never_seals_a_case_the_moderator_is_kept_out_of(
    app: Flask, db: Session, new_report: ReportFactory, admin: Account, moderator: AccountFactory
) -> None:
    moderator("mona")
    moderator("nils")
    mona_id, nils_id = accounts.find(db, "mona").id, accounts.find(db, "nils").id
    open_case, excluded, nils_only, mona_only, later = (new_report() for _ in range(5))
    db.add(CaseExclusion(report_id=excluded.id, user_id=mona_id))
    nils_only.only_assigned, nils_only.assignee_id = True, nils_id
    mona_only.only_assigned, mona_only.assignee_id = True, mona_id
    db.commit()

    grant(app, "mona", by=admin)  # three batches of two (and an empty one that finishes)

    db.expire_all()
    assert _held(db, mona_id) == {open_case.id, mona_only.id, later.id}
    job = db.scalars(select(AccessJob).where(AccessJob.user_id == mona_id)).one()
    assert job.finished_at is not None and job.last_report_id == later.id
    grant(app, "nils", by=admin)
    db.expire_all()
    assert _held(db, nils_id) == {open_case.id, excluded.id, nils_only.id, later.id}
