"""Pooled statistics: the region's figures over the organisations that take part (issue 14 item 5).

An organisation takes part when its admin says so (``Organisation.pooled``); its moderators then
see the pooled tables of every organisation that does. The figures leave the organisation, so
they are the differencing-resistant ones (``cell_key``): each organisation's units are perturbed
on their own, exactly as its own CSV publishes them, and the pooled unit is their sum. No pooled
figure lies between 1 and the threshold unless it is a sum of larger ones, so primary
suppression has nothing left to hide; and subtracting pooled tables (with and without an
organisation, over overlapping ranges) gives only sums of published units, never an exact count.

The count is one GROUP BY over the participants' reports, read from the statistics index, which
leads with the organisation. It opts out of the request's organisation scope, and reads counts
and key sums only, never a report.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from ... import audit, scoping
from ...audit import Event
from ...models import Organisation, Report, User
from .cell_key import KeyedRow
from .service import Published, StatsFilter, keyed_query, keyed_row, publish

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
    query = (
        keyed_query(f)
        .add_columns(Report.organisation_id)
        .where(Report.organisation_id.in_(ids))
        .group_by(Report.organisation_id)
        .execution_options(**scoping.EVERY_ORGANISATION)
    )
    groups: dict[int, list[KeyedRow]] = defaultdict(list)
    for *counted, organisation_id in db.execute(query):
        groups[organisation_id].append(keyed_row(*counted))
    return publish(list(groups.values()), f, threshold)


def set_taking_part(db: Session, organisation: Organisation, taking_part: bool, actor: User) -> None:
    if organisation.pooled != taking_part:
        organisation.pooled = taking_part
        audit.record(db, Event.STATS_POOLING_CHANGED, actor, "on" if taking_part else "off")
