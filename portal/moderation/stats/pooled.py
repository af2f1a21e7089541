"""Pooled statistics: the region's figures over the organisations that take part (issue 14 item 5).

An organisation takes part when its admin says so (``Organisation.pooled``); its moderators then
see the pooled tables of every organisation that does. The figures leave the organisation, so
they are the differencing-resistant ones (``cell_key``): each organisation's units are perturbed
on their own, exactly as its own CSV publishes them, and the pooled unit is their sum. No pooled
figure lies between 1 and the threshold unless it is a sum of larger ones, so primary
suppression has nothing left to hide; and subtracting pooled tables (with and without an
organisation, over overlapping ranges) gives only sums of published units, never an exact count.

The count is one statement per breakdown over the participants' reports, read from the
statistics index, which leads with the organisation: each organisation's units are perturbed and
added in the database. It opts out of the request's organisation scope, and reads counts and key
sums only, never a report.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ... import audit, scoping
from ...audit import Event
from ...models import Organisation, Report, User
from . import cell_key, months
from .cell_key import Units
from .service import Published, StatsFilter, publish_units

# Fewer than this and the pooled table is one organisation's own, or one other's beside it.
MIN_ORGANISATIONS = 3


def participants(db: Session) -> list[Organisation]:
    query = select(Organisation).where(Organisation.pooled.is_(True)).order_by(Organisation.name)
    return list(db.scalars(query))


def build(db: Session, f: StatsFilter, threshold: int) -> Published | None:
    """The pooled tables, or None while fewer than ``MIN_ORGANISATIONS`` take part."""
    ids = [row.id for row in participants(db)]
    if len(ids) < MIN_ORGANISATIONS:
        return None
    by_category, by_area = (_units(db, f, ids, threshold, by_area) for by_area in (False, True))
    return publish_units(by_category, by_area, f, threshold)


def _units(db: Session, f: StatsFilter, ids: list[int], threshold: int, by_area: bool) -> Units:
    """Every organisation's units perturbed (``cell_key.perturbed_in_sql``) and added up, in the
    database: one row per pooled unit comes back, not one per organisation's."""
    month = months.month(Report.created_on)
    key = Report.area if by_area else Report.category
    own = (
        select(
            month.label("month"),
            Report.kind.label("kind"),
            key.label("key"),
            cell_key.perturbed_in_sql(func.count(), func.sum(Report.record_key), threshold).label(
                "published"
            ),
        )
        .where(Report.created_on >= f.start, Report.created_on < f.end, Report.organisation_id.in_(ids))
        .group_by(Report.organisation_id, month, Report.kind, key)
        .subquery()
    )
    pooled = (
        select(own.c.month, own.c.kind, own.c.key, func.sum(own.c.published))
        .group_by(own.c.month, own.c.kind, own.c.key)
        .execution_options(**scoping.EVERY_ORGANISATION)
    )
    return {
        (months.first_day(month_text), kind, row_key): int(value)
        for month_text, kind, row_key, value in db.execute(pooled)
    }


def set_taking_part(db: Session, organisation: Organisation, taking_part: bool, actor: User) -> None:
    if organisation.pooled != taking_part:
        organisation.pooled = taking_part
        audit.record(db, Event.STATS_POOLING_CHANGED, actor, "on" if taking_part else "off")
