"""``flask notify send`` (every 15–60 minutes) and ``flask notify deadlines`` (daily).

Each run goes through every organisation that takes reports, each in a transaction of its own
(issue 14): one organisation's mail failure, or its moderators without addresses, neither stops
nor rolls back the next. Every line names the organisation by its slug. Output is for operators, in English like the other commands. Errors go to stderr and end with
exit code 1, so that a systemd unit or cron reports the failed run; a moderator is named by
user name, never by address.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import click
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from .. import installation, organisations
from ..config import Config
from ..db import transaction
from ..domain import today
from ..models import Organisation
from ..notify import service
from ..notify.smtp import Delivery, MailSettingsRefused
from .output import error

notify_cli = AppGroup("notify", help="E-mail notices to moderators (off while PORTAL_SMTP_HOST is empty).")

SKIPPED: dict[type[service.Skipped], str] = {
    service.NotificationsOff: "E-mail notices are off: PORTAL_SMTP_HOST is empty.",
    service.NothingNew: "Nothing new since the last notice.",
    service.NoDeadlineNear: "No case is overdue or close to a legal deadline.",
    service.AlreadyReminded: "Today's deadline reminder has been sent already.",
    service.NobodyToTell: "No active moderator has a notice address: nothing sent.",
}


Send = Callable[[Session, Organisation], Delivery]


def _run(config: Config, send: Send, what: str) -> None:
    try:
        service.ready(config)
    except service.NotificationsOff as off:
        click.echo(SKIPPED[type(off)])
        return
    except MailSettingsRefused as refused:
        error(str(refused))
        sys.exit(1)
    with transaction() as db:
        # An organisation without a key takes no reports, so it has nothing to announce.
        taking_reports = [(row.id, row.slug) for row in organisations.all_of(db) if row.takes_reports]
    all_reached = True
    for organisation_id, slug in taking_reports:
        all_reached = _run_for(send, organisation_id, slug, what) and all_reached
    if not all_reached:
        sys.exit(1)


def _run_for(send: Send, organisation_id: int, slug: str, what: str) -> bool:
    """One organisation's run in one transaction: what it records is committed before the next
    organisation's run, and before the next timer run (15 minutes on) could send it again.
    False when someone of its moderators was not reached."""
    skipped: service.Skipped | None = None
    with transaction() as db:
        try:
            delivery = send(db, organisations.get(db, organisation_id))
        except service.Skipped as nothing:
            skipped = nothing  # nothing to send and nothing wrong: what the run noted stands
    if skipped is not None:
        click.echo(f"{slug}: {SKIPPED[type(skipped)]}")
        return True
    for failure in delivery.failed:
        error(f"{slug}: the {what} did not reach {failure.username}: {failure.reason}")
    if delivery.delivered:
        click.echo(f"{slug}: {what} sent to {len(delivery.delivered)} moderator(s).")
    elif delivery.failed:
        error(f"{slug}: nobody was told; the next run tries again.")
    return not delivery.failed


@notify_cli.command("send")
def send_command() -> None:
    """Tell each organisation's moderators that something of theirs is new: a report, a message,
    a file or a meeting request."""
    config = installation.current_config()
    _run(config, lambda db, organisation: service.send_news(db, config, organisation), "notice")


@notify_cli.command("deadlines")
def deadlines_command() -> None:
    """Remind each organisation's moderators, once a day, while one of its cases is overdue or
    close to a legal deadline."""
    config = installation.current_config()
    day = today()
    _run(
        config,
        lambda db, organisation: service.send_deadline_reminder(db, config, organisation, day),
        "deadline reminder",
    )
