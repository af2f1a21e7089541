"""The only code that touches report crypto (DESIGN.md §5).

A report key opens the description, every message, note and file of one report. It is reached
with a reporter's code (``unwrap`` key), with the organisation key (sealed box: admins and the
recovery key), or with the private key of a moderator it is sealed to (a case key, issue 15).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from ..domain import today
from ..models import Attachment, Report
from ..security import crypto
from . import uploads


@dataclass(frozen=True)
class FileInfo:
    id: int
    filename: str
    media_type: str
    size: int
    # What cleaning removed; None for files stored before the portal recorded it (they carry a
    # general warning instead).
    removed: tuple[uploads.Removal, ...] | None

    @property
    def is_image(self) -> bool:
        return self.media_type.startswith("image/")


def encrypt(key: bytes, text: str) -> bytes:
    return crypto.wrap(key, text.encode())


def decrypt(key: bytes, blob: bytes) -> str:
    return crypto.unwrap(key, blob).decode()


def new_report_key(org_public_key: bytes, code_unwrap_key: bytes) -> tuple[bytes, bytes, bytes]:
    """A fresh report key, sealed to the organisation and wrapped by the code: (key, sealed, wrapped)."""
    key = crypto.new_key()
    return key, crypto.seal(org_public_key, key), crypto.wrap(code_unwrap_key, key)


def key_from_code(report: Report, code_unwrap_key: bytes) -> bytes:
    return crypto.unwrap(code_unwrap_key, report.key_wrapped)


def key_from_org(report: Report, org_private_key: bytes) -> bytes:
    return key_from_org_sealed(report.key_sealed, org_private_key)


def key_from_org_sealed(key_sealed: bytes, org_private_key: bytes) -> bytes:
    return crypto.unseal(org_private_key, key_sealed)


def key_from_case_key(sealed: bytes, moderator_private_key: bytes) -> bytes:
    return crypto.unseal(moderator_private_key, sealed)


def case_key(report_key: bytes, moderator_public_key: bytes) -> bytes:
    """The report key sealed to one moderator (``CaseKey.sealed``)."""
    return crypto.seal(moderator_public_key, report_key)


def reseal_key(report_key: bytes, new_org_public_key: bytes) -> bytes:
    """The same report key sealed to a new organisation key (``keys rotate``)."""
    return crypto.seal(new_org_public_key, report_key)


def rewrap_for_code(report_key: bytes, code_unwrap_key: bytes) -> bytes:
    return crypto.wrap(code_unwrap_key, report_key)


def attach(report: Report, key: bytes, clean: Sequence[uploads.CleanFile], message_seq: int | None) -> None:
    for item in clean:
        meta = {
            "name": item.filename,
            "type": item.media_type,
            "removed": sorted(removal.value for removal in item.removed),
        }
        report.attachments.append(
            Attachment(
                message_seq=message_seq,
                meta=crypto.wrap(key, json.dumps(meta).encode()),
                content=crypto.wrap(key, item.data),
                size=len(item.data),
                created_on=today(),
            )
        )


def file_info(key: bytes, item: Attachment) -> FileInfo:
    meta = json.loads(crypto.unwrap(key, item.meta))
    removed = meta.get("removed")
    return FileInfo(
        item.id,
        meta["name"],
        meta["type"],
        item.size,
        None if removed is None else tuple(uploads.Removal(value) for value in removed),
    )


def file_content(key: bytes, item: Attachment) -> bytes:
    return crypto.unwrap(key, item.content)
