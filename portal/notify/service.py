"""The rules of the notices: who is told, when, and what is remembered afterwards.

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

from .. import audit
from ..config import Config
from ..models import User
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
    """No active moderator has a notice address."""


def recipients(db: Session) -> list[Recipient]:
    """Active moderators and admins with a notice address; disabled accounts get nothing."""
    users = db.scalars(
        select(User).where(User.active.is_(True), User.notify_email.is_not(None)).order_by(User.id)
    )
    return [Recipient(user.username, user.notify_email) for user in users if user.notify_email]


def _send(db: Session, config: Config, notice: message.Notice) -> Delivery:
    people = recipients(db)
    if not people:
        raise NobodyToTell
    # No transaction stays open while the mail server talks: reporters must never wait for it.
    # Nothing is written before this point; what the run records afterwards is a new transaction.
    db.rollback()
    return smtp.deliver(config, notice, people)


def _record(db: Session, delivery: Delivery, subject: str, remember: Callable[[], None]) -> Delivery:
    """What a run that reached the mail server leaves behind: the marks and one or two events."""
    if delivery.delivered:
        remember()
        audit.record(db, audit.Event.NOTIFICATION_SENT, subject=subject)
    if delivery.failed:
        audit.record(db, audit.Event.NOTIFICATION_FAILED, subject=subject)
    return delivery


def send_news(db: Session, config: Config) -> Delivery:
    """Tell every moderator that something is new, if anything is."""
    if not config.smtp_host:
        raise NotificationsOff
    smtp.check(config)
    marks = news.current(db)
    if not marks.above(news.announced(db)):
        news.remember(db, marks)  # lower marks after answers and erasures (see news.remember)
        raise NothingNew
    delivery = _send(db, config, message.compose(message.news_wording, config.base_url))
    # The marks as read before sending: what came in meanwhile is the next run's news.
    return _record(db, delivery, audit.NEWS_SUBJECT, lambda: news.remember(db, marks))


def send_deadline_reminder(db: Session, config: Config, today: dt.date) -> Delivery:
    """Remind every moderator, once a day, while a case is overdue or close to a legal deadline."""
    if not config.smtp_host:
        raise NotificationsOff
    smtp.check(config)
    if news.last_reminder(db) == today:
        raise AlreadyReminded
    if not news.deadline_near(db, today):
        raise NoDeadlineNear
    delivery = _send(db, config, message.compose(message.deadline_wording, config.base_url))
    return _record(db, delivery, audit.DEADLINES_SUBJECT, lambda: news.remember_reminder(db, today))
