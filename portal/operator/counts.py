"""The coarse counts the operator sees: reports received per organisation and completed day.

Never today's count, which would tell an insider when a report came in: the last day shown is
yesterday, and the figures change only once a day. Each figure is perturbed with the cell key
of the statistics (``moderation/stats/cell_key``), so no count from 1 to the threshold shows
alone and two pages read a day apart subtract to nothing exact. Only counts and key sums are
read, from the statistics index that leads with the organisation; never a report.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import scoping
from ..models import Report
from ..moderation.stats.cell_key import perturb
from ..record_key import N

DAYS = 14


@dataclass(frozen=True)
class DailyCounts:
    days: list[dt.date]  # oldest first, ending yesterday
    by_organisation: dict[int, list[int]]  # perturbed count per day, in the order of ``days``

    def of(self, organisation_id: int) -> list[int]:
        return self.by_organisation.get(organisation_id, [0] * len(self.days))


def daily(db: Session, today: dt.date, threshold: int, days: int = DAYS) -> DailyCounts:
    """Reports received on each of the ``days`` completed days before ``today``, perturbed."""
    first = today - dt.timedelta(days=days)
    dates = [first + dt.timedelta(days=n) for n in range(days)]
    query = (
        select(Report.organisation_id, Report.created_on, func.count(), func.sum(Report.record_key))
        .where(Report.created_on >= first, Report.created_on < today)
        .group_by(Report.organisation_id, Report.created_on)
        .execution_options(**scoping.EVERY_ORGANISATION)
    )
    counts: dict[int, list[int]] = defaultdict(lambda: [0] * days)
    for organisation_id, created_on, count, key_sum in db.execute(query):
        counts[organisation_id][(created_on - first).days] = perturb(count, int(key_sum) % N, threshold)
    return DailyCounts(dates, dict(counts))
