"""The arithmetic of the handling figures, without a database: medians from counted durations,
shares, the age of an open case, and suppression of a breakdown whose period totals are fixed.

Suppression here. The handling tables break down the same reports per period as the statistics
page does (by outcome, by who exerted the pressure, ...), so every such column adds up to the
period's total there. That total is published or hidden by the statistics page's own suppression
(``linked``), and the handling tables take its choice as given:

- a period whose total the statistics page hides shows nothing in any handling table (its
  cells would add up to the hidden total);
- in a period whose total is published, each handling table's column is one equation with a
  known sum and no other equation (the handling tables publish no totals over the periods), so
  the classic rule is complete: hide every count from 1 to threshold − 1, and if that hides
  exactly one, hide one more (the smallest non-zero count, a zero only when there is none). With
  two or more hidden, any hidden count above zero can give one to another hidden count without
  changing the sum, so none can be worked out, with or without non-negativity.

Different breakdowns share no equation but the period total, so each is protected on its own.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping, Sequence

from ...cases.clocks import add_months


class Age(enum.StrEnum):
    """How long an open case has been waiting since it was received, or that it is closed."""

    UNDER_7_DAYS = "under_7_days"
    DAYS_7_30 = "days_7_30"
    MONTHS_1_3 = "months_1_3"
    OVER_3_MONTHS = "over_3_months"
    CLOSED = "closed"


def age_cutoffs(today: dt.date) -> tuple[dt.date, dt.date, dt.date]:
    """A case received after the first date is under 7 days old, after the second under 31 days
    (up to 30 days), after the third under three months (``clocks.add_months``)."""
    return today - dt.timedelta(days=7), today - dt.timedelta(days=31), add_months(today, -3)


def age_bucket(received: dt.date, today: dt.date, closed: bool) -> Age:
    """What the SQL of ``handling_query`` computes for every open report, for one report."""
    if closed:
        return Age.CLOSED
    week, month, quarter = age_cutoffs(today)
    if received > week:
        return Age.UNDER_7_DAYS
    if received > month:
        return Age.DAYS_7_30
    if received > quarter:
        return Age.MONTHS_1_3
    return Age.OVER_3_MONTHS


def median(counted: Mapping[int, int]) -> float | None:
    """The median of durations given as {duration: how many}; None when there are none. With an
    even number, the mean of the two middle durations."""
    n = sum(counted.values())
    if n == 0:
        return None
    low_rank, high_rank = (n - 1) // 2, n // 2
    low = high = None
    seen = 0
    for value in sorted(counted):
        seen += counted[value]
        if low is None and seen > low_rank:
            low = value
        if seen > high_rank:
            high = value
            break
    assert low is not None and high is not None
    return (low + high) / 2


def share(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` as a fraction, None of nothing."""
    return part / whole if whole else None


def enough(cases: int, threshold: int) -> bool:
    """A median or a share is shown only when computed from at least ``threshold`` cases: of fewer,
    a median is one case's own figure and a share says what one or two of them did."""
    return cases >= threshold


def protect_column(counts: Sequence[int], threshold: int) -> set[int]:
    """Positions to hide in one period's breakdown whose sum is published (see the module)."""
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    hidden = {i for i, count in enumerate(counts) if 0 < count < threshold}
    if len(hidden) == 1:
        rest = [i for i in range(len(counts)) if i not in hidden]
        if rest:
            hidden.add(min(rest, key=lambda i: (counts[i] == 0, counts[i], i)))
    return hidden


def published_column(counts: Sequence[int], total_published: bool, threshold: int) -> list[int | None]:
    """One period's breakdown as shown: nothing when the period's total is hidden, otherwise the
    counts with ``protect_column``'s hidden as None."""
    if not total_published:
        return [None] * len(counts)
    hidden = protect_column(counts, threshold)
    return [None if i in hidden else count for i, count in enumerate(counts)]


def derived_sum(column: Sequence[int | None], rows: Sequence[int], total: int | None) -> int | None:
    """The sum of some rows of a published column, when a reader could add it up anyway: all of
    those rows are published, or the total and all the other rows are. None otherwise."""
    chosen = [column[i] for i in rows]
    if all(value is not None for value in chosen):
        return sum(value for value in chosen if value is not None)
    others = [value for i, value in enumerate(column) if i not in rows]
    if total is not None and all(value is not None for value in others):
        return total - sum(value for value in others if value is not None)
    return None
