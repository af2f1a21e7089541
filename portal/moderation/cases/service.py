"""A moderator's work on one case. Every change is written with its audit event, in the caller's
transaction (the request's, committed in portal/db.py).

Changes that overwrite (status, assignment, labels, classification, meeting) carry the version
the moderator saw; if someone else changed the case meanwhile, :class:`StaleCase` is raised
instead of silently undoing their work.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ... import audit, scoping
from ...audit import Event
from ...cases import access, dialogue, vault
from ...cases.access import Keyring
from ...cases.clocks import record_handling, refresh_due
from ...cases.dialogue import Dialogue, Entry
from ...cases.vault import FileInfo
from ...domain import Area, Category, Kind, Outcome, Status, today
from ...models import Attachment, Author, Label, MessageKind, Note, Report, User

LABEL_MAX = 40


class CaseNotFound(Exception):
    pass


class NoOrgKey(Exception):
    """This moderator's session holds no key that opens the case (access not granted yet)."""


class StaleCase(Exception):
    """Someone else changed the case after this moderator loaded it."""


class OutcomeRequired(Exception):
    pass


class UnknownAssignee(Exception):
    """The case was to be assigned to a user who does not exist or is no longer active."""


@dataclass(frozen=True)
class NoteEntry:
    author_name: str | None
    text: str
    created_at: dt.datetime


@dataclass(frozen=True)
class CaseFile:
    report: Report
    dialogue: Dialogue
    notes: list[NoteEntry]
    # Moderators' names by user id, for the dialogue's authors.
    names: dict[int, str]

    def author_name(self, entry: Entry) -> str | None:
        return self.names.get(entry.author_user_id) if entry.author_user_id else None


def get(db: Session, report_id: int) -> Report:
    report = db.get(Report, report_id)
    # The scope already hides other organisations' cases; asked again here, where it matters most.
    if report is None or (scoping.is_scoped(db) and report.organisation_id != scoping.current(db)):
        raise CaseNotFound
    return report


def report_key(db: Session, report: Report, keyring: Keyring) -> bytes:
    """The case's report key, with the keys the moderator's session holds."""
    try:
        return access.report_key(db, report, keyring)
    except access.NoCaseKey:
        raise NoOrgKey from None


def _check_version(report: Report, version: int) -> None:
    if report.version != version:
        raise StaleCase
    report.version += 1


def _names(db: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {
        user_id: name
        for user_id, name in db.execute(select(User.id, User.username).where(User.id.in_(wanted)))
    }


def author_names(db: Session, report: Report) -> dict[int, str]:
    """The moderators who wrote the case's messages and notes, by user id."""
    return _names(db, {m.author_user_id for m in report.messages} | {n.author_user_id for n in report.notes})


def open_file(db: Session, report_id: int, keyring: Keyring, user: User) -> CaseFile:
    """Decrypt everything a moderator sees; the view is audited."""
    report = get(db, report_id)
    key = report_key(db, report, keyring)
    read = dialogue.decrypt(report, key)
    names = author_names(db, report)
    notes = [
        NoteEntry(
            names.get(n.author_user_id) if n.author_user_id else None,
            vault.decrypt(key, n.body),
            n.created_at,
        )
        for n in report.notes
    ]
    audit.record(db, Event.CASE_VIEWED, user, audit.case_subject(report.id))
    return CaseFile(report=report, dialogue=read, notes=notes, names=names)


class NotAPicture(Exception):
    """A preview was asked of a file that is not a picture: only pictures are shown inline."""


def download(
    db: Session, report_id: int, file_id: int, keyring: Keyring, user: User, *, preview: bool = False
) -> tuple[FileInfo, bytes]:
    """A file of the case, logged as downloaded unless it is a picture the case page shows
    (``preview``: the page view that shows it is logged already, see ``moderation/cases/files``)."""
    report = get(db, report_id)
    item = db.get(Attachment, file_id)
    if item is None or item.report_id != report.id:
        raise CaseNotFound
    key = report_key(db, report, keyring)
    info = vault.file_info(key, item)
    if preview and not info.is_image:
        raise NotAPicture
    if not preview:
        audit.record(db, Event.CASE_FILE_DOWNLOADED, user, audit.case_subject(report.id))
    return info, vault.file_content(key, item)


def send_message(
    db: Session, report_id: int, keyring: Keyring, user: User, text: str, feedback: bool = False
) -> None:
    """Write to the reporter. The first message acknowledges receipt; a feedback message gives feedback."""
    report = get(db, report_id)
    write_to_reporter(db, report, report_key(db, report, keyring), user, text, feedback=feedback)


def write_to_reporter(
    db: Session,
    report: Report,
    key: bytes,
    user: User,
    text: str,
    *,
    feedback: bool = False,
    kind: MessageKind = MessageKind.MESSAGE,
    meeting_at: dt.datetime | None = None,
    event: Event = Event.CASE_MESSAGE_SENT,
) -> None:
    """Everything the reporter reads from a moderator (a message, minutes, a meeting offer) goes
    through here: the first acknowledges receipt, the clocks move on."""
    dialogue.add_message(
        report,
        key,
        Author.MODERATOR,
        text,
        author_user_id=user.id,
        feedback=feedback,
        kind=kind,
        meeting_at=meeting_at,
    )
    report.awaiting_moderator = False
    subject = audit.case_subject(report.id)
    audit.record(db, event, user, subject)
    if report.acknowledged_on is None:
        report.acknowledged_on = today()
        audit.record(db, Event.CASE_ACKNOWLEDGED, user, subject)
        if report.status is Status.NEW:
            report.status = Status.ACKNOWLEDGED
    if feedback and report.feedback_on is None:
        report.feedback_on = today()
        audit.record(db, Event.CASE_FEEDBACK_GIVEN, user, subject)
    record_handling(report)
    refresh_due(report)
    report.version += 1


def add_note(db: Session, report_id: int, keyring: Keyring, user: User, text: str) -> None:

    report = get(db, report_id)
    report.notes.append(
        Note(author_user_id=user.id, body=vault.encrypt(report_key(db, report, keyring), text))
    )
    audit.record(db, Event.CASE_NOTE_ADDED, user, audit.case_subject(report.id))


def change_status(
    db: Session, report_id: int, user: User, version: int, status: Status, outcome: Outcome | None
) -> None:
    report = get(db, report_id)
    if status is Status.CLOSED and outcome is None:
        raise OutcomeRequired
    _check_version(report, version)
    report.status = status
    if status is Status.CLOSED:
        report.closed_on = report.closed_on or today()
        report.outcome = outcome
    else:
        report.closed_on, report.outcome = None, None
    refresh_due(report)
    audit.record(db, Event.CASE_STATUS_CHANGED, user, audit.status_subject(report.id, status.value))


def assign(
    db: Session, report_id: int, keyring: Keyring, user: User, version: int, assignee_id: int | None
) -> None:
    """A case restricted to its assignee moves its case key with it: the new assignee gets one,
    the previous one loses theirs (``cases/access.py``)."""
    report = get(db, report_id)
    if assignee_id is not None:
        assignee = db.get(User, assignee_id)
        if assignee is None or not assignee.active:
            raise UnknownAssignee
        if assignee_id in access.excluded_ids(db, report.id):
            raise AssigneeExcluded
    _check_version(report, version)
    report.assignee_id = assignee_id
    audit.record(db, Event.CASE_ASSIGNED, user, audit.case_subject(report.id))
    if report.only_assigned:
        access.sync(db, report, report_key(db, report, keyring), user)


class AssigneeExcluded(Exception):
    """The case was to be assigned to a moderator who is kept out of it."""


class NotAdmin(Exception):
    """Only an admin decides who may read a case."""


def restrict(
    db: Session,
    report_id: int,
    keyring: Keyring,
    user: User,
    version: int,
    exclude: Sequence[int],
    only_assigned: bool,
) -> None:
    """Keep named moderators out of the case, or keep it to its assignee (admins only)."""
    if not user.is_admin:
        raise NotAdmin
    report = get(db, report_id)
    key = report_key(db, report, keyring)
    # Refused before the version moves: the case page shown again keeps the request's writes.
    if report.assignee_id in set(exclude):
        raise ExcludedAssignee
    _check_version(report, version)
    access.restrict(db, report, key, user, exclude, only_assigned)


class ExcludedAssignee(Exception):
    """The moderator to exclude is the case's assignee: assign the case to someone else first."""


def set_labels(db: Session, report_id: int, user: User, version: int, names: Sequence[str]) -> None:
    """Replace the case's labels; new names become labels everyone can use."""
    report = get(db, report_id)
    _check_version(report, version)
    wanted = sorted({n.strip()[:LABEL_MAX] for n in names if n.strip()})
    existing = {label.name: label for label in db.scalars(select(Label).where(Label.name.in_(wanted)))}
    report.labels = [
        existing.get(name) or Label(name=name, organisation_id=report.organisation_id) for name in wanted
    ]
    audit.record(db, Event.CASE_LABELS_CHANGED, user, audit.case_subject(report.id))


def reclassify(
    db: Session,
    report_id: int,
    user: User,
    version: int,
    kind: Kind,
    category: Category | None,
    area: Area | None,
) -> None:
    report = get(db, report_id)
    _check_version(report, version)
    report.kind, report.category, report.area = kind, category, area
    audit.record(db, Event.CASE_RECLASSIFIED, user, audit.case_subject(report.id))


def record_meeting_offered(db: Session, report_id: int, user: User, version: int) -> None:
    report = get(db, report_id)
    _check_version(report, version)
    report.meeting_offered_on = today()
    audit.record(db, Event.CASE_MEETING_OFFERED, user, audit.case_subject(report.id))


def all_labels(db: Session) -> list[Label]:
    return list(db.scalars(select(Label).order_by(Label.name)))


def moderators(db: Session) -> list[User]:
    return list(db.scalars(select(User).where(User.active.is_(True)).order_by(User.username)))
