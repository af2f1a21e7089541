"""The reporter's rules: submit (``cases.intake``), open with a code, read, reply, replace the code.

Every function takes the database session explicitly and raises named exceptions; none commits
(the request does, portal/db.py), so a refused submission leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import installation, organisations
from ..cases import dialogue, intake, vault
from ..cases.dialogue import Dialogue
from ..cases.intake import ReportingUnavailable as ReportingUnavailable  # part of this service's contract
from ..cases.intake import Sent as Sent
from ..cases.intake import Submission as Submission
from ..cases.intake import Upload as Upload
from ..cases.intake import submit as submit
from ..config import Config
from ..domain import Area, Category, ExertedBy, Kind, Status, When, today
from ..models import Author, Organisation, Report
from ..security import codes
from ..security.codes import CodeNotFound as CodeNotFound  # part of this service's contract


class NothingToSend(Exception):
    """A reply without words (spaces and line breaks only) and without files."""


@dataclass(frozen=True)
class News:
    new_messages: int
    status_changed: bool
    previous_visit: dt.date | None


@dataclass(frozen=True)
class Opened:
    report_id: int
    organisation_id: int  # the case's own: its pages speak in that organisation's words
    report_key: bytes
    news: News


@dataclass(frozen=True)
class Answers:
    """What the reporter answered on the form, shown back on their page (issue 17 item 7). The
    category, area and kind are what is recorded now: a moderator may re-classify them."""

    kind: Kind
    category: Category | None
    area: Area | None
    happened: When | None
    exerted_by: ExertedBy | None


@dataclass(frozen=True)
class CaseView:
    status: Status
    created_on: dt.date
    dialogue: Dialogue
    meeting_requested_on: dt.date | None
    wants_acknowledgement: bool
    answers: Answers

    def first_new(self, new_messages: int) -> int | None:
        """The number (``seq``) of the first of the moderators' last ``new_messages`` entries:
        where "1 new message" leads. None when there are none (or fewer than counted)."""
        theirs = [e.seq for e in self.dialogue.entries if e.author is Author.MODERATOR]
        if new_messages <= 0 or new_messages > len(theirs):
            return None
        return theirs[-new_messages]


def open_case(db: Session, code_text: str, config: Config) -> Opened:
    """One argon2id and one indexed query, whether or not the code exists, and whatever the
    number of organisations: codes are unique in the installation."""
    keys = codes.derive_typed(code_text, installation.code_salt(db), installation.kdf_cost(config))
    report = db.scalar(select(Report).where(Report.lookup == keys.lookup))
    if report is None:
        raise CodeNotFound
    report_key = vault.key_from_code(report, keys.unwrap)
    news = News(
        new_messages=report.moderator_messages - report.reporter_seen_messages,
        status_changed=report.status != report.reporter_seen_status,
        previous_visit=report.code_last_used_on,
    )
    _mark_seen(report)
    report.code_last_used_on = today()  # written only when it changed (second visit the same day)
    return Opened(
        report_id=report.id, organisation_id=report.organisation_id, report_key=report_key, news=news
    )


def organisation_of(db: Session, report_id: int) -> Organisation:
    """The case's own organisation (its pages speak in its words, whatever the address)."""
    report = db.get(Report, report_id)
    if report is None:
        raise CodeNotFound
    return organisations.get(db, report.organisation_id)


def _mark_seen(report: Report) -> None:
    # Assign only on change: the ORM then writes nothing when nothing is new.
    if report.reporter_seen_messages != report.moderator_messages:
        report.reporter_seen_messages = report.moderator_messages
    if report.reporter_seen_status != report.status:
        report.reporter_seen_status = report.status


def _report(db: Session, report_id: int) -> Report:
    report = db.get(Report, report_id)
    if report is None:  # erased while the reporter was logged in
        raise CodeNotFound
    return report


def view(db: Session, report_id: int, report_key: bytes) -> CaseView:
    report = _report(db, report_id)
    read = dialogue.decrypt(report, report_key)
    _mark_seen(report)
    return CaseView(
        status=report.status,
        created_on=report.created_on,
        dialogue=read,
        meeting_requested_on=report.meeting_requested_on,
        wants_acknowledgement=report.wants_acknowledgement,
        answers=Answers(report.kind, report.category, report.area, report.happened, report.exerted_by),
    )


def reply(db: Session, report_id: int, report_key: bytes, text: str, files: Sequence[Upload] = ()) -> None:
    """The reporter writes, adds files, or both, in one change with the files checked first.
    Files without words belong to the report itself (no empty message is stored); either tells
    the moderators there is something to read."""
    clean = intake.clean_files(files)
    if not text.strip() and not clean:
        raise NothingToSend
    report = _report(db, report_id)
    if text.strip():
        dialogue.add_message(report, report_key, Author.REPORTER, text, files=clean)
    else:
        dialogue.add_files(report, report_key, clean)
    report.awaiting_moderator = True


def request_meeting(db: Session, report_id: int) -> None:
    _report(db, report_id).meeting_requested_on = today()


def replace_code(db: Session, report_id: int, report_key: bytes, config: Config) -> str:
    """A new code; the old one stops working in the same change."""
    report = _report(db, report_id)
    code = codes.generate()
    keys = intake.code_keys(db, codes.normalize(code), config)
    report.lookup = keys.lookup
    report.key_wrapped = vault.rewrap_for_code(report_key, keys.unwrap)
    return code
