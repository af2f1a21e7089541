"""Taking a report in: the one way a case is created, online by its reporter or, for a report
given by phone or in a meeting, by a moderator on the reporter's behalf (issue 15, part 1). Both
audiences build on it (DESIGN.md §5), so the report key, its seals and wraps, the case keys, the
clocks and the encryption are the same whoever typed the report.

Nothing here commits: the request does (portal/db.py), so a refused submission leaves nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy.orm import Session

from .. import installation, organisations
from ..config import Config
from ..domain import Area, Category, Channel, ExertedBy, Kind, Status, Support, When, today
from ..models import Report
from ..record_key import new_record_key
from ..security import codes
from . import access, dialogue, uploads, vault
from .clocks import refresh_due
from .vault import FileInfo


class ReportingUnavailable(Exception):
    """The organisation has no key yet (its first admin has not enrolled): nothing can be sealed."""


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


def clean_files(files: Sequence[Upload]) -> list[uploads.CleanFile]:
    """All files checked before anything is written: one refusal refuses the submission."""
    return uploads.sanitize_all([(f.filename, f.data) for f in files])


def code_keys(db: Session, code: str, config: Config) -> codes.CodeKeys:
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
    clean = clean_files(submission.files)
    code = codes.generate()
    keys = code_keys(db, codes.normalize(code), config)
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
