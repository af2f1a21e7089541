"""The rules of the notices: who is told, when, and what is remembered afterwards.

Each organisation has its own notices (issue 14): its marks, its recipients (its own active
moderators and admins, never another organisation's, never an operator) and its audit log. A run
is one organisation's; ``flask notify`` runs each in a transaction of its own, so that one
organisation's failure holds back no other.

Marks advance, with the audit event, only when at least one moderator got the mail: a failed run
leaves them where they were and the next run tries again. A run in which anyone was not reached
records ``notify:digest:failed`` as well, which ``status`` reads as the last send's result. The
caller's transaction (one per run, ``portal.db.transaction`` in ``flask notify``) commits them as
soon as the run returns, before the next run can send again; a ``Skipped`` run commits too,
since what it noted stands. A recipient who fails while others got it is reported (non-zero exit)
but does not hold the others back: otherwise one bad address would send the same notice to
everyone else on every run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit, organisations, retention
from ..config import Config
from ..domain import today
from ..models import Organisation, User
from . import message, news, smtp
from .smtp import Delivery, Recipient


class Skipped(Exception):
    """Nothing was sent, and nothing is wrong."""


class NotificationsOff(Skipped):
    """PORTAL_SMTP_HOST is empty: e-mail notices are switched off."""


class NothingNew(Skipped):
    """Nothing has come in since the last notice."""


class NoDeadlineNear(Skipped):
    """No case is overdue or close to a legal deadline."""


class AlreadyReminded(Skipped):
    """Today's deadline reminder has gone out already."""


class NobodyToTell(Skipped):
    """No active moderator of the organisation has a notice address."""


def ready(config: Config) -> None:
    """Raise :class:`NotificationsOff` or :class:`~.smtp.MailSettingsRefused` before any run: both
    are the installation's, the same for every organisation."""
    if not config.smtp_host:
        raise NotificationsOff
    smtp.check(config)


def recipients(db: Session, organisation_id: int) -> list[Recipient]:
    """The organisation's active moderators and admins with a notice address; disabled accounts
    get nothing, and neither does anyone of another organisation (operators belong to none)."""
    users = db.scalars(
        select(User)
        .where(
            User.organisation_id == organisation_id,
            User.active.is_(True),
            User.notify_email.is_not(None),
        )
        .order_by(User.id)
    )
    return [Recipient(user.username, user.notify_email) for user in users if user.notify_email]


def _erasing(db: Session, config: Config, organisation: Organisation, day: dt.date) -> message.Erasing | None:
    """How many of the organisation's closed cases are erased within the warning's days."""
    soon = retention.warning(db, organisation, config.retention_days, config.retention_warning_days, day)
    return message.Erasing(soon.total, soon.days) if soon is not None else None


def _notice(
    db: Session,
    config: Config,
    organisation: Organisation,
    wording: Callable[[], message.Wording],
    day: dt.date,
) -> message.Notice:
    """The notice, naming the organisation once there are several (for a reader with accounts in
    more than one); with one, as it always was. Either notice counts the closed cases soon erased."""
    named = organisation.name if organisations.count(db) > 1 else None
    return message.compose(wording, config.base_url, named, _erasing(db, config, organisation, day))


def _send(db: Session, config: Config, organisation_id: int, notice: message.Notice) -> Delivery:
    people = recipients(db, organisation_id)
    if not people:
        raise NobodyToTell
    # No transaction stays open while the mail server talks: reporters must never wait for it.
    # Nothing is written before this point; what the run records afterwards is a new transaction.
    db.rollback()
    return smtp.deliver(config, notice, people)


def _record(
    db: Session, organisation_id: int, delivery: Delivery, subject: str, remember: Callable[[], None]
) -> Delivery:
    """What a run that reached the mail server leaves behind: the marks and one or two events,
    in the organisation's own audit log."""
    if delivery.delivered:
        remember()
        audit.record(db, audit.Event.NOTIFICATION_SENT, subject=subject, organisation_id=organisation_id)
    if delivery.failed:
        audit.record(db, audit.Event.NOTIFICATION_FAILED, subject=subject, organisation_id=organisation_id)
    return delivery


def send_news(db: Session, config: Config, organisation: Organisation) -> Delivery:
    """Tell the organisation's moderators that something of theirs is new, if anything is."""
    ready(config)
    organisation_id = organisation.id  # read now: the row expires when _send ends the transaction
    marks = news.current(db, organisation_id)
    if not marks.above(news.announced(db, organisation_id)):
        news.remember(db, organisation_id, marks)  # lower marks after answers and erasures
        raise NothingNew
    notice = _notice(db, config, organisation, message.news_wording, today())
    delivery = _send(db, config, organisation_id, notice)
    # The marks as read before sending: what came in meanwhile is the next run's news.
    return _record(
        db, organisation_id, delivery, audit.NEWS_SUBJECT, lambda: news.remember(db, organisation_id, marks)
    )


def send_deadline_reminder(
    db: Session, config: Config, organisation: Organisation, today: dt.date
) -> Delivery:
    """Remind the organisation's moderators, once a day, while one of its cases is overdue or
    close to a legal deadline."""
    ready(config)
    organisation_id = organisation.id
    if news.last_reminder(db, organisation_id) == today:
        raise AlreadyReminded
    if not news.deadline_near(db, organisation_id, today):
        raise NoDeadlineNear
    notice = _notice(db, config, organisation, message.deadline_wording, today)
    delivery = _send(db, config, organisation_id, notice)
    return _record(
        db,
        organisation_id,
        delivery,
        audit.DEADLINES_SUBJECT,
        lambda: news.remember_reminder(db, organisation_id, today),
    )
