"""The case queue: filters and keyset pagination over metadata only (no decryption to list).

Keyset pagination (``WHERE (key) > (last key)``) costs the same on page 1 and page 2 000 and
at 100 or 100 000 reports; OFFSET would not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ...cases.clocks import SOON_DAYS
from ...domain import Area, Category, Kind, Status
from ...ids import parse_id
from ...models import Label, Report, User, report_labels
from ...pagination import PAGE_SIZE, KeysetPage, page_of, rows_to_fetch

QueueQuery = Select[Report, str]
SORTS = ("due", "newest", "oldest")
DUE_FILTERS = ("overdue", "soon", "none")


@dataclass(frozen=True)
class QueueFilter:
    status: Status | None = None
    kind: Kind | None = None
    category: Category | None = None
    area: Area | None = None
    label_id: int | None = None
    assignee_id: int | None = None  # 0: nobody assigned
    due: str | None = None
    awaiting: bool = False
    sort: str = "due"
    after: str | None = None  # cursor: the last row of the previous page


@dataclass(frozen=True)
class Row:
    report: Report
    assignee: str | None


def _filtered(f: QueueFilter, today: dt.date) -> QueueQuery:
    query = select(Report, User.username).outerjoin(User, User.id == Report.assignee_id)
    for column, value in (
        (Report.status, f.status),
        (Report.kind, f.kind),
        (Report.category, f.category),
        (Report.area, f.area),
    ):
        if value is not None:
            query = query.where(column == value)
    if f.status is None:
        query = query.where(Report.status != Status.CLOSED)  # the working queue; closed on request
    if f.label_id is not None:
        query = query.where(
            Report.id.in_(select(report_labels.c.report_id).where(report_labels.c.label_id == f.label_id))
        )
    if f.assignee_id is not None:
        query = query.where(
            Report.assignee_id.is_(None) if f.assignee_id == 0 else Report.assignee_id == f.assignee_id
        )
    if f.due == "overdue":
        query = query.where(Report.due_on < today)
    elif f.due == "soon":
        query = query.where(Report.due_on >= today, Report.due_on <= today + dt.timedelta(days=SOON_DAYS))
    elif f.due == "none":
        query = query.where(Report.due_on.is_(None))
    if f.awaiting:
        query = query.where(Report.awaiting_moderator.is_(True))
    return query


def _cursor(report: Report, sort: str) -> str:
    key = report.due_on if sort == "due" else report.created_on
    return f"{key.isoformat() if key else '-'}.{report.id}"


def _parse_cursor(text: str) -> tuple[dt.date | None, int] | None:
    day, _, ident = text.partition(".")
    number = parse_id(ident)
    try:
        return ((None if day == "-" else dt.date.fromisoformat(day)), number) if number is not None else None
    except ValueError:
        return None


def _by_due(query: QueueQuery, cursor: tuple[dt.date | None, int] | None, dated: bool) -> QueueQuery:
    """One of the two index-friendly halves of "most urgent first": dated cases, then the rest."""
    if dated:
        query = query.where(Report.due_on.is_not(None))
        if cursor and cursor[0] is not None:
            day, ident = cursor
            query = query.where(or_(Report.due_on > day, and_(Report.due_on == day, Report.id > ident)))
        return query.order_by(Report.due_on, Report.id)
    query = query.where(Report.due_on.is_(None))
    if cursor and cursor[0] is None:
        query = query.where(Report.id > cursor[1])
    return query.order_by(Report.id)


def _by_created(query: QueueQuery, cursor: tuple[dt.date | None, int] | None, newest: bool) -> QueueQuery:
    if cursor and cursor[0] is not None:
        day, ident = cursor
        if newest:
            query = query.where(
                or_(Report.created_on < day, and_(Report.created_on == day, Report.id < ident))
            )
        else:
            query = query.where(
                or_(Report.created_on > day, and_(Report.created_on == day, Report.id > ident))
            )
    if newest:
        return query.order_by(Report.created_on.desc(), Report.id.desc())
    return query.order_by(Report.created_on, Report.id)


def _fetch(db: Session, query: QueueQuery, limit: int) -> list[Row]:
    return [Row(report, assignee) for report, assignee in db.execute(query.limit(limit)).all()]


def _with_labels(db: Session, rows: list[Row]) -> list[Row]:
    """The labels of the whole page in one statement, run even for an empty page, so that a page
    costs the same number of statements whatever the halves of "most urgent first" returned."""
    pairs = db.execute(
        select(report_labels.c.report_id, Label)
        .join(Label, Label.id == report_labels.c.label_id)
        .where(report_labels.c.report_id.in_([row.report.id for row in rows]))
        .order_by(Label.name)
    ).all()
    by_report: dict[int, list[Label]] = {}
    for report_id, label in pairs:
        by_report.setdefault(report_id, []).append(label)
    for row in rows:
        set_committed_value(row.report, "labels", by_report.get(row.report.id, []))
    return rows


def page(db: Session, f: QueueFilter, today: dt.date, size: int = PAGE_SIZE) -> KeysetPage[Row, str]:
    if f.sort not in SORTS:
        f = replace(f, sort="due")
    cursor = _parse_cursor(f.after) if f.after else None
    base = _filtered(f, today)
    wanted = rows_to_fetch(size)
    if f.sort == "due":
        # NULLs sort differently on SQLite and PostgreSQL and defeat the (due_on, id) index, so
        # "dated first, then undated" is two range scans rather than one sort of every row.
        # A due filter names one half: "overdue" and "soon" have no undated case, "none" no dated.
        dated_half = f.due != "none" and not (cursor and cursor[0] is None)
        rows = _fetch(db, _by_due(base, cursor, dated=True), wanted) if dated_half else []
        if f.due not in ("overdue", "soon"):  # asked even when the page is full (LIMIT 0): a constant count
            rows += _fetch(
                db,
                _by_due(base, cursor if cursor and cursor[0] is None else None, dated=False),
                wanted - len(rows),
            )
    else:
        rows = _fetch(db, _by_created(base, cursor, newest=f.sort == "newest"), wanted)
    return page_of(_with_labels(db, rows), size, lambda row: _cursor(row.report, f.sort))
