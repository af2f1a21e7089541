"""The dialogue of one case: what both audiences add to it, and the one way to read it back.

The reporter opens the report key with their code, a moderator with the organisation key
(``vault.key_from_code``, ``vault.key_from_org``). From the key on, both read the same thing,
decrypted here and nowhere else: the report, the files that came with it, and the messages
with their files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..domain import today
from ..models import Attachment, Author, Message, MessageKind, Report
from . import uploads, vault
from .models import Response
from .vault import FileInfo


@dataclass(frozen=True)
class Entry:
    seq: int
    author: Author
    # The moderator who wrote it (None for the reporter): the moderators' page shows the name;
    # the reporter's page says only "Moderator".
    author_user_id: int | None
    text: str
    created_on: dt.date
    is_feedback: bool
    files: list[FileInfo]
    kind: MessageKind = MessageKind.MESSAGE
    refers_to_seq: int | None = None
    # An offered meeting's date and time, decrypted (``YYYY-MM-DDTHH:MM``, Swedish time).
    meeting_at: dt.datetime | None = None
    response: Response | None = None
    responded_on: dt.date | None = None
    # Corrections the reporter proposed to these minutes, in order.
    corrections: tuple[Entry, ...] = ()

    @property
    def awaits_reporter(self) -> bool:
        """Minutes not yet approved, or a meeting offer not yet answered."""
        return self.kind in (MessageKind.MINUTES, MessageKind.MEETING_OFFER) and self.response is None


@dataclass(frozen=True)
class Dialogue:
    description: str
    # Files sent with the report, or added later without a message.
    first_files: list[FileInfo]
    entries: list[Entry]


def add_message(
    report: Report,
    key: bytes,
    author: Author,
    text: str,
    *,
    author_user_id: int | None = None,
    feedback: bool = False,
    files: Sequence[uploads.CleanFile] = (),
    kind: MessageKind = MessageKind.MESSAGE,
    refers_to_seq: int | None = None,
    meeting_at: dt.datetime | None = None,
) -> Message:
    """Append to the dialogue in the caller's transaction; order comes from the counter. A
    meeting's time is encrypted with the report key, like the text."""
    report.last_seq += 1
    if author is Author.MODERATOR:
        report.moderator_messages += 1
    message = Message(
        seq=report.last_seq,
        author=author,
        author_user_id=author_user_id,
        body=vault.encrypt(key, text),
        created_on=today(),
        is_feedback=feedback,
        kind=kind,
        refers_to_seq=refers_to_seq,
        meeting_at=None
        if meeting_at is None
        else vault.encrypt(key, meeting_at.isoformat(timespec="minutes")),
    )
    report.messages.append(message)
    vault.attach(report, key, files, message.seq)
    return message


def add_files(report: Report, key: bytes, files: Sequence[uploads.CleanFile]) -> None:
    """Files of the report itself, in the caller's transaction: they belong to no message."""
    vault.attach(report, key, files, None)


def decrypt(report: Report, key: bytes) -> Dialogue:
    """The report, its files and every message with its files, in the order they were written."""
    by_seq: dict[int | None, list[Attachment]] = {}
    for item in report.attachments:
        by_seq.setdefault(item.message_seq, []).append(item)
    entries = [_entry(key, m, _files(key, by_seq.get(m.seq, []))) for m in report.messages]
    corrections: dict[int, list[Entry]] = {}
    for entry in entries:
        if entry.kind is MessageKind.CORRECTION and entry.refers_to_seq is not None:
            corrections.setdefault(entry.refers_to_seq, []).append(entry)
    entries = [
        replace(entry, corrections=tuple(corrections[entry.seq])) if entry.seq in corrections else entry
        for entry in entries
    ]
    return Dialogue(
        description=vault.decrypt(key, report.description),
        first_files=_files(key, by_seq.get(None, [])),
        entries=entries,
    )


def _entry(key: bytes, m: Message, files: list[FileInfo]) -> Entry:
    return Entry(
        m.seq,
        m.author,
        m.author_user_id,
        vault.decrypt(key, m.body),
        m.created_on,
        m.is_feedback,
        files,
        kind=m.kind,
        refers_to_seq=m.refers_to_seq,
        meeting_at=None
        if m.meeting_at is None
        else dt.datetime.fromisoformat(vault.decrypt(key, m.meeting_at)),
        response=m.response,
        responded_on=m.responded_on,
    )


def _files(key: bytes, attachments: Sequence[Attachment]) -> list[FileInfo]:
    return [vault.file_info(key, item) for item in attachments]
