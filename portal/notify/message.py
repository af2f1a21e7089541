"""The two notices: Swedish and English in one plain-text mail, since the reader's language is unknown.

Each says only that there is something to look at, with a link to the dashboard: no case, no
category, no case number and no time, so that no mail server or mailbox on the way learns more.
With several organisations it names the one whose moderators it goes to, and nothing else about
it. The one figure it may hold: how many closed cases are erased within the warning's days
(PORTAL_RETENTION_WARNING_DAYS), when there are any, so that an admin can postpone in time.
"""

from __future__ import annotations

import secrets
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from flask_babel import force_locale
from flask_babel import gettext as _

from ..i18n import LANGUAGE_NAMES, LANGUAGES

BRAND = "Tystnadsbrytaren"
WIDTH = 72  # characters per line of a plain-text mail
DIVIDER = "-" * WIDTH


@dataclass(frozen=True)
class Notice:
    subject: str
    body: str


@dataclass(frozen=True)
class Wording:
    subject: str
    lead: str  # the paragraph before the link


def news_wording() -> Wording:
    return Wording(
        subject=_("there is something to look at"),
        lead=_("There is something new for the moderators to look at. Log in to see what it is:"),
    )


def deadline_wording() -> Wording:
    return Wording(
        subject=_("a legal deadline is near or has passed"),
        lead=_("One or more cases are close to a legal deadline or past it. Log in to see which:"),
    )


@dataclass(frozen=True)
class Erasing:
    """How many closed cases are erased within ``days``: a count, never which."""

    count: int
    days: int


def _erasing(erasing: Erasing) -> str:
    return str(
        _(
            "Closed cases to be erased within %(days)d days: %(count)d.",
            days=erasing.days,
            count=erasing.count,
        )
    )


def _why() -> str:
    return str(
        _(
            "This notice names no case on purpose: e-mail passes through systems outside the portal. "
            "You get it because an administrator entered this address for notices; ask them to "
            "remove it if you no longer want any."
        )
    )


def _whose(organisation: str) -> str:
    return str(_("Organisation: %(name)s", name=organisation))


def compose(
    wording: Callable[[], Wording],
    base_url: str,
    organisation: str | None = None,
    erasing: Erasing | None = None,
) -> Notice:
    """The notice in every language of the portal, Swedish first, with the line on cases soon
    erased after the link when ``erasing`` counts any.

    ``organisation``: its name, given once the installation has several, for a reader with
    accounts in more than one. The notice goes to that organisation's own moderators only, so its
    name tells them nothing they do not know already."""
    link = base_url.rstrip("/") + "/moderation/"
    subjects: list[str] = []
    parts: list[str] = []
    for code in LANGUAGES:
        with force_locale(code):
            words = wording()
            why = _why()
            whose = f"{_whose(organisation)}\n\n" if organisation else ""
            soon = f"{textwrap.fill(_erasing(erasing), WIDTH)}\n\n" if erasing and erasing.count else ""
        subjects.append(words.subject)
        parts.append(
            f"{LANGUAGE_NAMES[code]}\n\n{whose}{textwrap.fill(words.lead, WIDTH)}\n{link}\n\n"
            f"{soon}{textwrap.fill(why, WIDTH)}\n"
        )
    # dict.fromkeys: one subject, not the same words twice, while a translation is missing.
    brand = f"{BRAND} ({organisation})" if organisation else BRAND
    subject = f"{brand}: " + " / ".join(dict.fromkeys(subjects))
    return Notice(subject=subject, body=f"\n{DIVIDER}\n\n".join(parts))


def mail_for(notice: Notice, sender: str, recipient: str) -> EmailMessage:
    """One mail per moderator: nobody sees who else gets notices."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = notice.subject
    message["Date"] = formatdate(usegmt=True)
    # Random only: smtplib's make_msgid would add the server's process id and a finer clock.
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = f"<{secrets.token_hex(16)}@{domain}>"
    # RFC 3834: an automatic message, so that out-of-office replies do not answer it.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(notice.body)
    return message
