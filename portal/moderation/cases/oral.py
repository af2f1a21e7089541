"""Oral reporting (directive 2019/1937 art. 9(2) and 18; issue 15, part 1): a report given by
phone or in a meeting, recorded by a moderator; minutes of a meeting or call; meetings offered at
a date and time.

An oral report is taken in as an online one is (``cases.intake.submit``),
so its report key, case keys, clocks and encryption are an online report's; nothing about the
reporter is stored, and the new code goes back to the view only, to be shown once on a printed
page. Minutes and meeting offers are messages of their own kinds, written like every message
(``service.write_to_reporter``); an offered time is encrypted with the report key like the text.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from ... import audit
from ...audit import Event
from ...cases import intake
from ...cases.access import Keyring
from ...config import Config
from ...domain import Channel, today
from ...models import MessageKind, User
from . import service as cases


class MeetingInThePast(Exception):
    """The offered date has passed already."""


def record_report(db: Session, user: User, submission: intake.Submission, config: Config) -> intake.Sent:
    """A new case of the moderator's organisation, as the reporter told it; audited as recorded
    by this moderator (the reporter is in no row)."""
    assert user.organisation_id is not None  # an operator has no organisation and no such page
    sent = intake.submit(db, user.organisation_id, submission, config, channel=Channel.ORAL)
    db.flush()  # the case's number, for its audit event
    audit.record(db, Event.CASE_RECORDED_ORALLY, user, audit.case_subject(sent.report.id))
    return sent


def add_minutes(db: Session, report_id: int, keyring: Keyring, user: User, text: str) -> None:
    """Minutes of a meeting or call: the reporter reads them with their code and approves them or
    proposes a correction."""
    report = cases.get(db, report_id)
    key = cases.report_key(db, report, keyring)
    cases.write_to_reporter(
        db, report, key, user, text, kind=MessageKind.MINUTES, event=Event.CASE_MINUTES_ADDED
    )


def offer_meeting(
    db: Session, report_id: int, keyring: Keyring, user: User, at: dt.datetime, text: str
) -> None:
    """A meeting at ``at`` (Swedish time), with a word on where or how; the reporter accepts or
    declines it on their page. ``meeting_offered_on`` keeps the date of the offer, for the queue."""
    if at.date() < today():
        raise MeetingInThePast
    report = cases.get(db, report_id)
    key = cases.report_key(db, report, keyring)
    cases.write_to_reporter(
        db,
        report,
        key,
        user,
        text,
        kind=MessageKind.MEETING_OFFER,
        meeting_at=at,
        event=Event.CASE_MEETING_OFFERED,
    )
    report.meeting_offered_on = today()
