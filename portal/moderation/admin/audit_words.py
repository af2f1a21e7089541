"""The audit log in words: each stored event and subject as a sentence in the page's language.

The rows themselves never change (``audit``); this only reads them. The detail shown is what the
subject already holds (which case, which moderator, which forum post, which period), never more:
the log holds no report text and nothing about a reporter, so neither does its presentation.
An event or subject of a shape not known here (an older or newer portal's) is shown as stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...audit import Event
from ...domain import Kind, Status, moderator_label
from ...i18n import LANGUAGE_NAMES

# The areas of the taxonomy as the filter offers them.
AREAS: dict[str, LazyString] = {
    "admin": _l("Administration"),
    "auth": _l("Log-ins"),
    "case": _l("Cases"),
    "forum": _l("Forum"),
    "notify": _l("E-mail notices"),
    "operator": _l("Installation operator"),
    "retention": _l("Erasure of closed cases"),
    "setup": _l("Setting up"),
    "stats": _l("Statistics"),
    "user": _l("Accounts"),
}

PERIODS = {"month": _l("per month"), "quarter": _l("per quarter"), "year": _l("per year")}

CASE = re.compile(r"case:(\d+|erased-[0-9a-f]+)(?::(user|version|status):([a-z0-9_]+))?", re.ASCII)
USER = re.compile(r"user:(\d+)", re.ASCII)
NUMBERED = re.compile(r"(template|invitation|forum:post|forum:thread|forum:board):(\d+)", re.ASCII)
ORGANISATION = re.compile(r"org:([a-z0-9-]+)(?::rows:(\d+))?", re.ASCII)
STATS = re.compile(r"(handling_)?(month|quarter|year)_(\d{4}-\d{2})_(\d{4}-\d{2})_([a-z_]+)", re.ASCII)


@dataclass(frozen=True)
class Detail:
    """What an event is about, in words; ``case`` links the words to that case's page."""

    text: str
    case: int | None = None


def area_words(area: str) -> str:
    return str(AREAS[area]) if area in AREAS else area


def event_words(stored: str, subject: str | None) -> str:
    """``Status changed to Closed`` where the subject names the new status, else the event's words."""
    try:
        event = Event(stored)
    except ValueError:
        return stored
    if event is Event.CASE_STATUS_CHANGED and subject:
        match = CASE.fullmatch(subject)
        if match and match.group(2) == "status" and match.group(3) in set(Status):
            return str(_("Status changed to %(status)s", status=moderator_label(Status(match.group(3)))))
    return str(event.label)


def user_ids(subjects: Iterable[str | None]) -> set[int]:
    """The moderators named by these subjects, whose user names the page looks up in one go."""
    found = set()
    for subject in subjects:
        match = USER.fullmatch(subject or "") or CASE.fullmatch(subject or "")
        if match and match.re is USER:
            found.add(int(match.group(1)))
        elif match and match.group(2) == "user":
            found.add(int(match.group(3)))
    return found


def _person(names: Mapping[int, str], ident: str) -> str:
    name = names.get(int(ident))
    return str(_("moderator %(name)s", name=name) if name else _("account %(n)s (removed)", n=ident))


def _case(match: re.Match[str], names: Mapping[int, str]) -> Detail:
    number, kind, value = match.groups()
    if number.startswith("erased-"):
        text, case = _("An erased case"), None
    else:
        text, case = _("Case %(n)s", n=number), int(number)
    if kind == "user":
        text = _("%(case)s, %(person)s", case=text, person=_person(names, value))
    elif kind == "version":
        text = _("%(case)s, as of version %(version)s", case=text, version=value)
    return Detail(text, case)


def _numbered(match: re.Match[str], names: Mapping[int, str]) -> Detail:
    words = {
        "template": _("Quick reply %(n)s"),
        "invitation": _("Invitation %(n)s"),
        "forum:post": _("Forum post %(n)s"),
        "forum:thread": _("Forum thread %(n)s"),
        "forum:board": _("Forum board %(n)s"),
    }
    return Detail(words[match.group(1)] % {"n": match.group(2)})


def _organisation(match: re.Match[str], names: Mapping[int, str]) -> Detail:
    slug, rows = match.groups()
    if rows is None:
        return Detail(_("Organisation %(slug)s", slug=slug))
    return Detail(_("Organisation %(slug)s, %(rows)s rows erased", slug=slug, rows=rows))


def _stats(match: re.Match[str], names: Mapping[int, str]) -> Detail:
    handling, period, first, last, kind = match.groups()
    kinds = {k.value: moderator_label(k) for k in Kind}
    table = _("How reports are handled") if handling else _("Reports by category and area of work")
    return Detail(
        _(
            "%(table)s, %(period)s, %(first)s to %(last)s, %(kind)s",
            table=table,
            period=PERIODS[period],
            first=first,
            last=last,
            kind=kinds.get(kind, _("all kinds")),
        )
    )


def _fixed(subject: str) -> str | None:
    """Subjects that are one thing each, and the two words of a choice."""
    if subject.startswith("texts:") and subject[6:] in LANGUAGE_NAMES:
        return str(_("The texts for reporters (%(language)s)", language=LANGUAGE_NAMES[subject[6:]]))
    if subject.startswith("retention:"):
        days = subject[len("retention:") :]
        if days == "default":
            return str(_("The installation's period"))
        return str(_("%(days)s days", days=days)) if days.isdigit() else None
    fixed: dict[str, str] = {
        "forum:words": _("The list of watched words"),
        "forum:gate": _("The forum's passphrase"),
        "notify:news": _("Notice of something new to look at"),
        "notify:deadlines": _("Daily reminder of deadlines"),
        "on": _("Taking part"),
        "off": _("Not taking part"),
    }
    return fixed.get(subject)


Reader = Callable[[re.Match[str], Mapping[int, str]], Detail]
_SHAPES: list[tuple[re.Pattern[str], Reader]] = [
    (CASE, _case),
    (USER, lambda match, names: Detail(_person(names, match.group(1)))),
    (NUMBERED, _numbered),
    (ORGANISATION, _organisation),
    (STATS, _stats),
]


def detail(subject: str | None, names: Mapping[int, str]) -> Detail | None:
    """The subject in words (``names``: user names by id), or as stored if its shape is unknown."""
    if not subject:
        return None
    for pattern, read in _SHAPES:
        if match := pattern.fullmatch(subject):
            return read(match, names)
    fixed = _fixed(subject)
    return Detail(fixed if fixed is not None else subject)
