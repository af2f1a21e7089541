"""A case's masks, sealed with its report key (``CaseMask.body``).

A mask names what it masks, its *target*: ``report`` (the description), ``message:<seq>`` (one
message of the dialogue) or ``file:<attachment id>`` (a whole file); a text's mask carries its
character ranges (``redaction.Span``). All of it is one JSON document under the report key: in
the database a mask shows no more than that the case has one.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...security import crypto
from ..models import CaseMask
from .redaction import Span

REPORT = "report"


def message_target(seq: int) -> str:
    return f"message:{seq}"


def file_target(attachment_id: int) -> str:
    return f"file:{attachment_id}"


@dataclass(frozen=True)
class Mask:
    id: int
    target: str
    spans: tuple[Span, ...]
    user_id: int | None
    created_on: dt.date


def seal(key: bytes, target: str, spans: Iterable[Span] = ()) -> bytes:
    document = {"target": target, "spans": [[start, end] for start, end in spans]}
    return crypto.wrap(key, json.dumps(document).encode())


def _open(key: bytes, row: CaseMask) -> Mask:
    document = json.loads(crypto.unwrap(key, row.body))
    spans = tuple((int(start), int(end)) for start, end in document["spans"])
    return Mask(row.id, str(document["target"]), spans, row.user_id, row.created_on)


def of(db: Session, report_id: int, key: bytes) -> list[Mask]:
    """The case's masks, oldest first."""
    rows = db.scalars(select(CaseMask).where(CaseMask.report_id == report_id).order_by(CaseMask.id))
    return [_open(key, row) for row in rows]


def spans_of(masks: Iterable[Mask], target: str) -> list[Span]:
    return [span for mask in masks if mask.target == target for span in mask.spans]


def masked_files(masks: Iterable[Mask]) -> set[int]:
    return {int(m.target.split(":", 1)[1]) for m in masks if m.target.startswith("file:")}
