"""The arithmetic of the handling figures: medians from counted days, shares, the age of an open
case, suppression of a breakdown with a published total, and the durations stored on a report."""

from __future__ import annotations

import datetime as dt
from itertools import product

import pytest

from portal.cases import clocks
from portal.models import Report
from portal.moderation.stats import figures
from portal.moderation.stats.figures import Age

TODAY = dt.date(2026, 12, 7)


def test_median_of_counted_durations() -> None:
    assert figures.median({}) is None
    assert figures.median({4: 1}) == 4
    assert figures.median({1: 1, 2: 1, 3: 2, 4: 1, 5: 1, 10: 1, 17: 1, 20: 1}) == 4  # nine cases
    assert figures.median({0: 1, 1: 1, 2: 1, 3: 1, 8: 1, 9: 1}) == 2.5  # six: the two middle ones
    assert figures.median({30: 6}) == 30
    assert figures.median({1: 3, 100: 1}) == 1


def test_share_and_enough() -> None:
    assert figures.share(6, 9) == pytest.approx(2 / 3)
    assert figures.share(0, 0) is None
    assert figures.share(0, 7) == 0
    assert not figures.enough(4, 5) and figures.enough(5, 5)


@pytest.mark.parametrize(
    ("received", "closed", "bucket"),
    [
        (TODAY, False, Age.UNDER_7_DAYS),
        (TODAY - dt.timedelta(days=6), False, Age.UNDER_7_DAYS),
        (TODAY - dt.timedelta(days=7), False, Age.DAYS_7_30),
        (TODAY - dt.timedelta(days=30), False, Age.DAYS_7_30),
        (TODAY - dt.timedelta(days=31), False, Age.MONTHS_1_3),
        (dt.date(2026, 9, 8), False, Age.MONTHS_1_3),
        (dt.date(2026, 9, 7), False, Age.OVER_3_MONTHS),  # three months to the day
        (dt.date(2020, 1, 1), False, Age.OVER_3_MONTHS),
        (TODAY, True, Age.CLOSED),
    ],
)
def test_age_bucket(received: dt.date, closed: bool, bucket: Age) -> None:
    assert figures.age_bucket(received, TODAY, closed) is bucket


@pytest.mark.parametrize(
    ("counts", "hidden"),
    [
        ([8, 0, 0, 0, 0, 0, 0, 0], set()),  # nothing small
        ([8, 1, 0, 0, 0, 0, 0, 2], {1, 7}),  # two small ones protect each other
        ([7, 0, 0, 4, 0, 0], {0, 3}),  # one small: the smallest other non-zero goes with it
        ([0, 0, 0, 2, 9], {3, 4}),
        ([6, 4, 1], {1, 2}),
        ([3, 0, 0], {0, 1}),  # nothing else above zero: a zero goes with it
        ([5, 5], set()),
    ],
)
def test_protect_column(counts: list[int], hidden: set[int]) -> None:
    assert figures.protect_column(counts, 5) == hidden


def test_no_hidden_count_follows_from_the_published_total() -> None:
    """Every column of up to four rows of 0..6: each hidden count can move while the sum stays."""
    for counts in product(range(7), repeat=4):
        shown = figures.published_column(counts, True, 5)
        hidden = [i for i, value in enumerate(shown) if value is None]
        assert all(value is None for value, count in zip(shown, counts, strict=True) if 0 < count < 5)
        assert len(hidden) != 1
        for i in hidden:
            if 0 < counts[i] < 5:
                # another hidden count that can take one from it, or give it one
                assert any(j != i for j in hidden)
    assert figures.published_column([1, 2, 30], False, 5) == [None, None, None]


def test_derived_sum() -> None:
    assert figures.derived_sum([0, 0, 0, 6, 9], [0, 1, 2, 3], 15) == 6
    assert figures.derived_sum([0, 0, 0, None, None], [0, 1, 2, 3], 11) is None
    assert figures.derived_sum([None, 0, None], [0, 1], 12) is None
    assert figures.derived_sum([None, 0, 7], [0, 1], 12) == 5  # the total less the rest
    assert figures.derived_sum([None, 0, 7], [0, 1], None) is None


@pytest.mark.parametrize(
    ("acknowledged", "answered", "days_to_ack", "days_to_feedback", "in_time"),
    [
        (dt.date(2024, 1, 3), dt.date(2024, 4, 3), 2, 93, True),  # three months after the acknowledgement
        (dt.date(2024, 1, 3), dt.date(2024, 4, 4), 2, 94, False),
        (None, dt.date(2024, 4, 8), None, 98, True),  # declined: from the seventh day (8 January)
        (None, dt.date(2024, 4, 9), None, 99, False),
        (dt.date(2024, 1, 31), dt.date(2024, 4, 30), 30, 120, True),  # 31 January + 3 months: 30 April
        (dt.date(2024, 1, 31), dt.date(2024, 5, 1), 30, 121, False),
        (None, None, None, None, None),
    ],
)
def test_stored_durations_follow_the_clocks(
    acknowledged: dt.date | None,
    answered: dt.date | None,
    days_to_ack: int | None,
    days_to_feedback: int | None,
    in_time: bool | None,
) -> None:
    report = Report(created_on=dt.date(2024, 1, 1), acknowledged_on=acknowledged, feedback_on=answered)
    clocks.record_handling(report)
    assert (report.days_to_acknowledgement, report.days_to_feedback, report.feedback_in_time) == (
        days_to_ack,
        days_to_feedback,
        in_time,
    )
