"""The reporter's rules: submit, open with a code, read, reply, replace the code.

Every function takes the database session explicitly and raises named exceptions; none commits
(the request does, portal/db.py), so a refused submission leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import installation, organisations
from ..cases import access, dialogue, uploads, vault
from ..cases.clocks import refresh_due
from ..cases.dialogue import Dialogue
from ..cases.vault import FileInfo
from ..config import Config
from ..domain import Area, Category, Channel, ExertedBy, Kind, Status, Support, When, today
from ..models import Author, Organisation, Report
from ..record_key import new_record_key
from ..security import codes
from ..security.codes import CodeNotFound as CodeNotFound  # part of this service's contract


class ReportingUnavailable(Exception):
    """The organisation has no key yet (its first admin has not enrolled): nothing can be sealed."""


class NothingToSend(Exception):
    """A reply without words (spaces and line breaks only): files alone go through add_files."""


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


@dataclass(frozen=True)
class Submission:
    """A report as the reporter gave it. Each answer has one name: the report form's field, this
    attribute and the column of :class:`Report` are called the same."""

    kind: Kind
    description: str
    category: Category | None = None
    area: Area | None = None
    happened: When | None = None
    exerted_by: ExertedBy | None = None
    reported_to_incident_system: bool = False
    reported_to_police: bool = False
    support: Support | None = None
    wants_acknowledgement: bool = True
    files: Sequence[Upload] = ()

    @classmethod
    def answers(cls) -> tuple[str, ...]:
        """The names of what the reporter answers on the form (the files come apart, as uploads)."""
        return tuple(f.name for f in fields(cls) if f.name != "files")

    @classmethod
    def from_form(cls, data: Mapping[str, Any], files: Sequence[Upload] = ()) -> Submission:
        """From a valid form's ``data``: its other fields (token, honeypot, file field) are left out."""
        return cls(**{name: data[name] for name in cls.answers()}, files=files)

    def columns(self) -> dict[str, Any]:
        """The answers :class:`Report` stores as they are; the description is stored encrypted."""
        return {name: getattr(self, name) for name in self.answers() if name != "description"}


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
class CaseView:
    status: Status
    created_on: dt.date
    dialogue: Dialogue
    meeting_requested_on: dt.date | None
    wants_acknowledgement: bool


def _clean_files(files: Sequence[Upload]) -> list[uploads.CleanFile]:
    """All files checked before anything is written: one refusal refuses the submission."""
    return uploads.sanitize_all([(f.filename, f.data) for f in files])


def _code_keys(db: Session, code: str, config: Config) -> codes.CodeKeys:
    return codes.derive(code, installation.code_salt(db), installation.kdf_cost(config))


@dataclass(frozen=True)
class Sent:
    """What the receipt shows: the new code, and what cleaning removed from each file."""

    code: str
    files: list[FileInfo]
    report: Report


def submit(
    db: Session,
    organisation_id: int,
    submission: Submission,
    config: Config,
    channel: Channel = Channel.ONLINE,
) -> Sent:
    """Create the organisation's report, its files and key wraps in the caller's transaction;
    return the new code. A moderator recording an oral report comes through here too
    (``channel``), so that its keys, clocks and encryption are an online report's.

    The view shows the code only after that transaction has committed (portal/db.py commits
    before the 303 to the receipt leaves)."""
    if not organisations.can_seal(db, organisation_id):
        raise ReportingUnavailable
    clean = _clean_files(submission.files)
    code = codes.generate()
    keys = _code_keys(db, codes.normalize(code), config)
    # Read last, under the lock ``keys rotate`` takes, so that the key cannot change between this
    # read and the commit; the files and the argon2id are done by now, so the lock is short.
    org_public = organisations.lock_for_sealing(db, organisation_id, share=True).public_key
    if org_public is None:
        raise ReportingUnavailable
    report_key, sealed, wrapped = vault.new_report_key(org_public, keys.unwrap)
    report = Report(
        **submission.columns(),
        organisation_id=organisation_id,
        lookup=keys.lookup,
        status=Status.NEW,
        reporter_seen_status=Status.NEW,
        created_on=today(),
        record_key=new_record_key(),
        key_sealed=sealed,
        key_wrapped=wrapped,
        description=vault.encrypt(report_key, submission.description),
        channel=channel,
    )
    dialogue.add_files(report, report_key, clean)
    access.seal_for_readers(db, report, report_key)
    refresh_due(report)
    db.add(report)
    return Sent(code, [vault.file_info(report_key, item) for item in report.attachments], report)


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
    )


def reply(db: Session, report_id: int, report_key: bytes, text: str, files: Sequence[Upload] = ()) -> None:
    """The reporter writes (and may attach files): one change, with the files checked first."""
    if not text.strip():
        raise NothingToSend
    clean = _clean_files(files)
    report = _report(db, report_id)
    dialogue.add_message(report, report_key, Author.REPORTER, text, files=clean)
    report.awaiting_moderator = True


def add_files(db: Session, report_id: int, report_key: bytes, files: Sequence[Upload]) -> None:
    clean = _clean_files(files)
    dialogue.add_files(_report(db, report_id), report_key, clean)


def request_meeting(db: Session, report_id: int) -> None:
    _report(db, report_id).meeting_requested_on = today()


def replace_code(db: Session, report_id: int, report_key: bytes, config: Config) -> str:
    """A new code; the old one stops working in the same change."""
    report = _report(db, report_id)
    code = codes.generate()
    keys = _code_keys(db, codes.normalize(code), config)
    report.lookup = keys.lookup
    report.key_wrapped = vault.rewrap_for_code(report_key, keys.unwrap)
    return code
