"""The reporter's answers to what a moderator asked of them (issue 15, part 1): approve the minutes
of a meeting or call or propose a correction, accept or decline an offered meeting.

Like every reporter act, each is kept with its date only (DESIGN.md §3) and is not audited: an
audit event carries a precise time. Each tells the moderators there is something to read
(``awaiting_moderator``). None commits (the request does).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..cases import dialogue
from ..cases.models import Response
from ..domain import today
from ..models import Author, Message, MessageKind, Report
from ..security.codes import CodeNotFound
from .service import NothingToSend as NothingToSend  # part of this service's contract


class NoSuchEntry(Exception):
    """The case has no minutes (or meeting offer) with that number: the page was out of date or
    the form was tampered with."""


class AlreadyAnswered(Exception):
    """The minutes were approved, or the meeting offer answered, before: an answer is given once."""


def _report(db: Session, report_id: int) -> Report:
    report = db.get(Report, report_id)
    if report is None:  # erased while the reporter was logged in
        raise CodeNotFound
    return report


def _awaiting(report: Report, seq: int | None, kind: MessageKind) -> Message:
    found = next((m for m in report.messages if m.seq == seq and m.kind is kind), None)
    if found is None:
        raise NoSuchEntry
    if found.response is not None:
        raise AlreadyAnswered
    return found


def _answer(report: Report, message: Message, response: Response) -> None:
    message.response = response
    message.responded_on = today()
    report.awaiting_moderator = True


def approve_minutes(db: Session, report_id: int, seq: int | None) -> None:
    report = _report(db, report_id)
    _answer(report, _awaiting(report, seq, MessageKind.MINUTES), Response.APPROVED)


def correct_minutes(db: Session, report_id: int, report_key: bytes, seq: int | None, text: str) -> None:
    """A correction is a message of its own that names the minutes: the moderator reads it beside
    them, and the reporter may propose another until they approve."""
    if not text.strip():
        raise NothingToSend
    report = _report(db, report_id)
    _awaiting(report, seq, MessageKind.MINUTES)
    dialogue.add_message(
        report, report_key, Author.REPORTER, text, kind=MessageKind.CORRECTION, refers_to_seq=seq
    )
    report.awaiting_moderator = True


def answer_meeting(db: Session, report_id: int, seq: int | None, accept: bool) -> None:
    report = _report(db, report_id)
    offer = _awaiting(report, seq, MessageKind.MEETING_OFFER)
    _answer(report, offer, Response.ACCEPTED if accept else Response.DECLINED)
