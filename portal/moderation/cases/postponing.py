"""Postponing a closed case's erasure (issue 15 part 4), and what the case page shows of it.

An admin may put off the erasure of a closed case at most twice, each time by 1 day to the
organisation's retention period, with a reason. Each postponement is a ``RetentionPostponement``
row, its reason encrypted with the report key like every free text of a case; its days are added
to ``reports.retention_extra_days``, which the purge (portal/retention.py) adds to the period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ... import audit, retention
from ...cases import vault
from ...cases.access import Keyring
from ...db import db_session
from ...domain import Status, today
from ...installation import current_config
from ...models import Report, RetentionPostponement, User
from ..auth import current_user
from . import service as cases
from .forms import PostponeForm

MAX_POSTPONEMENTS = 2


class TooManyPostponements(Exception):
    """The case's erasure has been postponed twice already."""


class DaysOutOfRange(Exception):
    """Not 1 to the organisation's retention period."""


def _count(db: Session, report_id: int) -> int:
    query = select(func.count()).where(RetentionPostponement.report_id == report_id)
    return int(db.scalar(query) or 0)


def postpone(
    db: Session, report_id: int, keyring: Keyring, user: User, days: int, reason: str, default_days: int
) -> None:
    """Put off the erasure of a closed case by ``days``, with the reason, in the caller's
    transaction and with its audit event. Refused before anything is written: by a plain
    moderator (:class:`~.service.NotAdmin`), for a case reopened meanwhile
    (:class:`~.service.StaleCase`), days out of range, a third postponement."""
    if not user.is_admin:
        raise cases.NotAdmin
    report = cases.get(db, report_id)
    # Two admins at once postpone one after the other: the second counts the first's row.
    db.refresh(report, with_for_update=True)
    if report.status is not Status.CLOSED or report.closed_on is None:
        raise cases.StaleCase
    if not 1 <= days <= retention.period_of(db, report.organisation_id, default_days):
        raise DaysOutOfRange
    if _count(db, report.id) >= MAX_POSTPONEMENTS:
        raise TooManyPostponements
    key = cases.report_key(db, report, keyring)
    db.add(
        RetentionPostponement(
            report_id=report.id,
            user_id=user.id,
            days=days,
            reason=vault.encrypt(key, reason),
            created_on=today(),
        )
    )
    report.retention_extra_days += days
    audit.record(db, audit.Event.CASE_RETENTION_POSTPONED, user, audit.case_subject(report.id))


def new_form() -> PostponeForm:
    """The posted form, allowing up to the current admin's organisation's retention period."""
    return _with_limit(PostponeForm())


def _with_limit(form: PostponeForm) -> PostponeForm:
    organisation_id = current_user().organisation_id
    assert organisation_id is not None
    form.max_days = retention.period_of(db_session(), organisation_id, current_config().retention_days)
    return form


@dataclass(frozen=True)
class Postponement:
    on: dt.date
    days: int
    by: str | None  # None: the account has been deleted since
    reason: str


@dataclass(frozen=True)
class Panel:
    """What the case page shows of a closed case's erasure."""

    erased_on: dt.date
    period: int
    postponements: list[Postponement]
    # Admins only, while another postponement is allowed (or the refused one, to show why).
    form: PostponeForm | None


def panel(
    db: Session, report: Report, keyring: Keyring, user: User, form: PostponeForm | None
) -> Panel | None:
    """None for an open case: it has no erasure date."""
    if report.status is not Status.CLOSED or report.closed_on is None:
        return None
    period = retention.period_of(db, report.organisation_id, current_config().retention_days)
    key = cases.report_key(db, report, keyring)
    query = (
        select(RetentionPostponement, User.username)
        .outerjoin(User, User.id == RetentionPostponement.user_id)
        .where(RetentionPostponement.report_id == report.id)
        .order_by(RetentionPostponement.id)
    )
    shown = [
        Postponement(row.created_on, row.days, name, vault.decrypt(key, row.reason))
        for row, name in db.execute(query)
    ]
    if user.is_admin and form is None and len(shown) < MAX_POSTPONEMENTS:
        form = _with_limit(PostponeForm(formdata=None))
    return Panel(
        erased_on=retention.erasure_date(report.closed_on, period, report.retention_extra_days),
        period=period,
        postponements=shown,
        form=form if user.is_admin else None,
    )
