"""Masks of a case's exports (issue 15 part 3): passages of the report and of its messages, and
whole files, that a moderator leaves out of what leaves the portal. Each change is audited and
moves the case's version (an export names the version it shows). The texts are never changed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ... import audit
from ...audit import Event
from ...cases import dialogue
from ...cases.access import Keyring
from ...cases.dialogue import Dialogue
from ...cases.export import masks, redaction
from ...cases.models import CaseMask
from ...domain import today
from ...models import Report, User
from . import service as cases


class UnknownTarget(Exception):
    """The passage was to be masked in a text the case does not have."""


def texts(dialogue: Dialogue) -> dict[str, str]:
    """Every text of the case a passage can be masked in, by target."""
    found = {masks.REPORT: dialogue.description}
    for entry in dialogue.entries:
        found[masks.message_target(entry.seq)] = entry.text
    return found


def _opened(db: Session, report_id: int, keyring: Keyring) -> tuple[Report, bytes]:
    report = cases.get(db, report_id)
    return report, cases.report_key(db, report, keyring)


def add(
    db: Session,
    report_id: int,
    keyring: Keyring,
    user: User,
    target: str,
    passage: str,
    occurrence: int | None,
) -> None:
    """Mask ``passage`` in one text, everywhere or only its n-th time. Refused, with nothing
    written: :class:`UnknownTarget`, ``redaction.PassageNotFound``, ``redaction.NoSuchOccurrence``."""
    report, key = _opened(db, report_id, keyring)
    text = texts(dialogue.decrypt(report, key)).get(target)
    if text is None:
        raise UnknownTarget
    spans = redaction.find(text, passage, occurrence)
    db.add(_row(report, user, masks.seal(key, target, spans)))
    report.version += 1
    audit.record(db, Event.CASE_MASK_ADDED, user, audit.case_subject(report.id))


def _row(report: Report, user: User, body: bytes) -> CaseMask:
    return CaseMask(report_id=report.id, user_id=user.id, body=body, created_on=today())


def remove(db: Session, report_id: int, keyring: Keyring, user: User, mask_id: int) -> None:
    report, _key = _opened(db, report_id, keyring)
    row = db.get(CaseMask, mask_id)
    if row is None or row.report_id != report.id:
        raise cases.CaseNotFound
    db.delete(row)
    report.version += 1
    audit.record(db, Event.CASE_MASK_REMOVED, user, audit.case_subject(report.id))


def set_files(db: Session, report_id: int, keyring: Keyring, user: User, file_ids: set[int]) -> None:
    """Mask exactly these files of the case (ids of other cases' files are ignored)."""
    report, key = _opened(db, report_id, keyring)
    wanted = file_ids & {item.id for item in report.attachments}
    current = masks.of(db, report.id, key)
    if masks.masked_files(current) == wanted:
        return
    file_rows = [m.id for m in current if m.target.startswith("file:")]
    if file_rows:
        db.execute(delete(CaseMask).where(CaseMask.id.in_(file_rows)))
    for file_id in sorted(wanted):
        db.add(_row(report, user, masks.seal(key, masks.file_target(file_id))))
    report.version += 1
    audit.record(db, Event.CASE_FILE_MASKS_CHANGED, user, audit.case_subject(report.id))


@dataclass(frozen=True)
class Shown:
    """One mask of a passage as the case page lists it."""

    id: int
    target: str
    passages: list[str]
    by: str | None
    on: dt.date


def shown(db: Session, report_id: int, key: bytes, dialogue: Dialogue) -> tuple[list[Shown], set[int]]:
    """The passages masked, in the order they were masked, and the ids of the files masked."""
    found = masks.of(db, report_id, key)
    by_id = {m.user_id for m in found if m.user_id is not None}
    query = select(User.id, User.username).where(User.id.in_(by_id))
    names = {user_id: name for user_id, name in db.execute(query)} if by_id else {}
    in_texts = texts(dialogue)
    passages = [
        Shown(
            m.id,
            m.target,
            redaction.masked_passages(in_texts.get(m.target, ""), m.spans),
            names.get(m.user_id) if m.user_id is not None else None,
            m.created_on,
        )
        for m in found
        if not m.target.startswith("file:")
    ]
    return passages, masks.masked_files(found)
