"""The optional access gate: an organisation passphrase readers enter once per session."""

from __future__ import annotations

import re

from flask import session
from sqlalchemy.orm import Session

from .. import installation
from ..security import passwords
from .models import ForumSettings

PASSED = "forum_gate_passed"
SETTINGS_ID = 1
# Where the gate may send a reader back: /forum, or segments of letters, digits and - _ . ~ under
# it. No control character (a CR/LF broke the Location header: a 500), no backslash (browsers read
# it as a slash), no "//", ":" or "@" (another host), no "%" (nothing decoded later).
FORUM_PATH = re.compile(r"/forum(?:/[\w.~-]*)*", re.ASCII)
MAX_NEXT = 2000  # characters; longer than any forum path the portal makes


def settings(db: Session) -> ForumSettings:
    row = db.get(ForumSettings, SETTINGS_ID)
    if row is None:
        row = ForumSettings(id=SETTINGS_ID, gate_hash=None)
        db.add(row)
        db.flush()
    return row


def enabled(db: Session) -> bool:
    row = db.get(ForumSettings, SETTINGS_ID)
    return row is not None and row.gate_hash is not None


def passed(db: Session) -> bool:
    return bool(session.get(PASSED)) or not enabled(db)


def check(db: Session, passphrase: str) -> bool:
    row = db.get(ForumSettings, SETTINGS_ID)
    if row is None or row.gate_hash is None:
        return True
    hasher = passwords.hasher(installation.kdf_cost(installation.current_config()))
    return passwords.verify(hasher, row.gate_hash, passphrase)


def set_passphrase(db: Session, passphrase: str | None) -> None:
    """Switch the gate on with a passphrase, or off with None (admins, audited by the caller)."""
    row = settings(db)
    if passphrase:
        row.gate_hash = passwords.hasher(installation.kdf_cost(installation.current_config())).hash(
            passphrase
        )
    else:
        row.gate_hash = None


def return_path(target: str) -> str | None:
    """``target`` if it is a plain path of the forum (``?next=`` after the gate), else None."""
    if len(target) > MAX_NEXT or not FORUM_PATH.fullmatch(target) or "//" in target:
        return None
    if any(segment in {".", ".."} for segment in target.split("/")):
        return None
    return target
