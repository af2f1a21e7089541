"""Pooled statistics: the region's figures over the organisations that take part (issue 14 item 5).

An organisation takes part when its admin says so (``Organisation.pooled``); its moderators then
see the pooled tables of every organisation that does. The figures leave the organisation, so
they are the differencing-resistant ones (``cell_key``): each organisation's units are perturbed
on their own, exactly as its own CSV publishes them, and the pooled unit is their sum. No pooled
figure lies between 1 and the threshold unless it is a sum of larger ones, so primary
suppression has nothing left to hide; and subtracting pooled tables (with and without an
organisation, over overlapping ranges) gives only sums of published units, never an exact count.

The count is one statement per breakdown over the participants' reports and their erased cases'
figures (``ErasedCase``), each read from its statistics index, which leads with the organisation: each organisation's units are perturbed and
added in the database. It opts out of the request's organisation scope, and reads counts and key
sums only, never a report.
"""

from __future__ import annotations

from sqlalchemy import Select, func, select, union_all
from sqlalchemy.orm import Session

from ... import audit, scoping
from ...audit import Event
from ...domain import Area, Category, Kind
from ...models import ErasedCase, Organisation, Report, User
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
    database: one row per pooled unit comes back, not one per organisation's. A unit's count and
    key sum are its reports' and its erased cases' together (``ErasedCase`` keeps the record key),
    so that erasing a case does not change the figure it was published in."""
    counted = union_all(*(_counted(model, f, ids, by_area) for model in (Report, ErasedCase))).subquery()
    own = (
        select(
            counted.c.month,
            counted.c.kind,
            counted.c.key,
            cell_key.perturbed_in_sql(
                func.sum(counted.c.number), func.sum(counted.c.key_sum), threshold
            ).label("published"),
        )
        .group_by(counted.c.organisation_id, counted.c.month, counted.c.kind, counted.c.key)
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


def _counted(
    model: type[Report] | type[ErasedCase], f: StatsFilter, ids: list[int], by_area: bool
) -> Select[int, str, Kind, Category | Area | None, int, int]:
    """Count and key sum per (organisation, month, kind, row key) of reports or of erased cases'
    figures, each read from its own statistics index."""
    day = Report.created_on if model is Report else ErasedCase.month
    month = months.month(day)
    key = model.area if by_area else model.category
    return (
        select(
            model.organisation_id.label("organisation_id"),
            month.label("month"),
            model.kind.label("kind"),
            key.label("key"),
            func.count().label("number"),
            func.sum(model.record_key).label("key_sum"),
        )
        .where(day >= f.start, day < f.end, model.organisation_id.in_(ids))
        .group_by(model.organisation_id, month, model.kind, key)
    )


def set_taking_part(db: Session, organisation: Organisation, taking_part: bool, actor: User) -> None:
    if organisation.pooled != taking_part:
        organisation.pooled = taking_part
        audit.record(db, Event.STATS_POOLING_CHANGED, actor, "on" if taking_part else "off")
