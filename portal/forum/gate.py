"""Access gates: passphrases readers enter once per session, each over one board or a group.

A board behind a gate (``Board.gate_id``) is read and written only by a session that passed that
gate; the session remembers the ids of the gates passed, never an organisation. A page that names
no board (the index, the writer's own page) is behind a gate only when every board is behind that
same gate: the forum of an installation with one organisation and one passphrase, as before there
were several.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from flask import current_app, session
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from .. import installation
from ..security import passwords
from .models import Board, Gate, Thread

PASSED = "forum_gate_passed"
# Where the gate may send a reader back: /forum, or segments of letters, digits and - _ . ~ under
# it. No control character (a CR/LF broke the Location header: a 500), no backslash (browsers read
# it as a slash), no "//", ":" or "@" (another host), no "%" (nothing decoded later).
FORUM_PATH = re.compile(r"/forum(?:/[\w.~-]*)*", re.ASCII)
MAX_NEXT = 2000  # characters; longer than any forum path the portal makes


def _forum_wide(db: Session) -> int | None:
    """The gate every board is behind, if they all are behind the same one."""
    gates = set(db.scalars(select(Board.gate_id).distinct()))
    return gates.pop() if len(gates) == 1 else None


def needed(db: Session, view_args: Mapping[str, object] | None) -> int | None:
    """The gate in front of the page with these URL arguments (None: no gate)."""
    args = view_args or {}
    if isinstance(args.get("slug"), str):
        return db.scalar(select(Board.gate_id).where(Board.slug == args["slug"])) or _forum_wide(db)
    if isinstance(args.get("token"), str):
        query = (
            select(Board.gate_id)
            .join(Thread, Thread.board_id == Board.id)
            .where(Thread.token == args["token"])
        )
        return db.scalar(query) or _forum_wide(db)
    return _forum_wide(db)


def needed_for_path(db: Session, path: str) -> int | None:
    """The gate in front of a forum path (the ``next`` of the gate page)."""
    try:
        _endpoint, args = current_app.url_map.bind("localhost").match(path, method="GET")
    except (HTTPException, RequestRedirect):
        args = {}
    return needed(db, args)


def passed_gates() -> list[int]:
    value = session.get(PASSED)
    return [item for item in value if isinstance(item, int)] if isinstance(value, list) else []


def passed(gate_id: int | None) -> bool:
    return gate_id is None or gate_id in passed_gates()


def remember(gate_id: int) -> None:
    session[PASSED] = sorted({*passed_gates(), gate_id})


def check(db: Session, gate_id: int | None, passphrase: str) -> bool:
    row = db.get(Gate, gate_id) if gate_id is not None else None
    if row is None:
        return True
    hasher = passwords.hasher(installation.kdf_cost(installation.current_config()))
    return passwords.verify(hasher, row.gate_hash, passphrase)


def set_for_boards(db: Session, board_ids: Iterable[int], passphrase: str | None) -> Gate | None:
    """Put these boards behind a new gate with ``passphrase``, or behind none with None.

    Always a new gate: a session that passed the old passphrase must pass the new one. A gate no
    board is behind any more is deleted."""
    boards = list(db.scalars(select(Board).where(Board.id.in_(list(board_ids)))))
    row = None
    if passphrase:
        cost = installation.kdf_cost(installation.current_config())
        row = Gate(gate_hash=passwords.hasher(cost).hash(passphrase))
        db.add(row)
        db.flush()
    for board in boards:
        board.gate_id = row.id if row else None
    db.flush()
    db.execute(delete(Gate).where(Gate.id.not_in(select(Board.gate_id).where(Board.gate_id.is_not(None)))))
    return row


def set_passphrase(db: Session, passphrase: str | None) -> None:
    """One gate over every board (an installation with one organisation; tests)."""
    set_for_boards(db, db.scalars(select(Board.id)), passphrase)


def all_behind_gate(db: Session, board_ids: Iterable[int]) -> bool:
    ids = list(board_ids)
    gates = set(db.scalars(select(Board.gate_id).where(Board.id.in_(ids))))
    return bool(ids) and None not in gates


def return_path(target: str) -> str | None:
    """``target`` if it is a plain path of the forum (``?next=`` after the gate), else None."""
    if len(target) > MAX_NEXT or not FORUM_PATH.fullmatch(target) or "//" in target:
        return None
    if any(segment in {".", ".."} for segment in target.split("/")):
        return None
    return target
