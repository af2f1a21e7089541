"""The arithmetic of the handling figures: medians from counted days, shares, the age of an open
case, suppression of a breakdown with a published total, and the feedback clock in SQL."""

from __future__ import annotations

import datetime as dt
from itertools import product

import pytest
from sqlalchemy import create_engine, literal, select
from sqlalchemy.types import Date

from portal.cases.clocks import add_months
from portal.moderation.stats import figures
from portal.moderation.stats.dates import days, feedback_in_time, seven_days_after
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


def test_feedback_clock_in_sql_is_the_clocks_one() -> None:
    """SQLite's clamped three months (``dates.feedback_in_time``) against ``clocks.add_months``, for
    every start day of a leap and a common year and answers around the deadline."""
    engine = create_engine("sqlite://")
    starts = [dt.date(2023, 1, 1) + dt.timedelta(days=n) for n in range(0, 2 * 366, 3)]
    starts += [dt.date(2024, 3, 31), dt.date(2023, 11, 30), dt.date(2024, 11, 29), dt.date(2024, 12, 31)]
    with engine.connect() as conn:
        for start in starts:
            deadline = add_months(start, 3)
            for answered in (deadline - dt.timedelta(days=1), deadline, deadline + dt.timedelta(days=1)):
                query = select(
                    feedback_in_time(literal(start, Date()), literal(answered, Date())),
                    days(literal(start, Date()), literal(answered, Date())),
                    seven_days_after(literal(start, Date())),
                )
                in_time, between, seventh = conn.execute(query).one()
                assert bool(in_time) is (answered <= deadline), (start, answered)
                assert between == (answered - start).days
                assert seventh == start + dt.timedelta(days=7)
