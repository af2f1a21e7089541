"""``flask notify send`` (every 15–60 minutes) and ``flask notify deadlines`` (daily).

Output is for operators, in English like the other commands. Errors go to stderr and end with
exit code 1, so that a systemd unit or cron reports the failed run; a moderator is named by
user name, never by address.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import click
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from .. import installation
from ..db import transaction
from ..domain import today
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


def _run(send: Callable[[Session], Delivery], what: str) -> None:
    # One run, one transaction: what it records is committed before the command returns, so the
    # next run (15 minutes on) never sends the same notice again.
    skipped: service.Skipped | None = None
    try:
        with transaction() as db:
            try:
                delivery = send(db)
            except service.Skipped as nothing:
                skipped = nothing  # nothing to send and nothing wrong: what the run noted stands
    except MailSettingsRefused as refused:
        error(str(refused))
        sys.exit(1)
    if skipped is not None:
        click.echo(SKIPPED[type(skipped)])
        return
    for failure in delivery.failed:
        error(f"the {what} did not reach {failure.username}: {failure.reason}")
    if delivery.delivered:
        click.echo(f"{what.capitalize()} sent to {len(delivery.delivered)} moderator(s).")
    elif delivery.failed:
        error("nobody was told; the next run tries again.")
    if delivery.failed:
        sys.exit(1)


@notify_cli.command("send")
def send_command() -> None:
    """Tell moderators that something is new: a report, a message, a file or a meeting request."""
    config = installation.current_config()
    _run(lambda db: service.send_news(db, config), "notice")


@notify_cli.command("deadlines")
def deadlines_command() -> None:
    """Remind moderators, once a day, while a case is overdue or close to a legal deadline."""
    config = installation.current_config()
    _run(lambda db: service.send_deadline_reminder(db, config, today()), "deadline reminder")
