"""The pooled statistics perturb in the database: the SQL expression must publish exactly what
``cell_key.perturb`` publishes, for every count and every cell key, on both databases."""

from __future__ import annotations

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from portal.moderation.stats.cell_key import perturb, perturbed_in_sql

N = 2**16
# Every boundary of the perturbation table (tenths 1, 3, 7, 9 of N; count/T of N for small counts)
# and its neighbours, plus a spread of keys in between.
KEYS = sorted(
    {0, 1, N - 1}
    | {bound * N // 10 + d for bound in (1, 3, 7, 9) for d in (-1, 0, 1)}
    | {count * N // 5 + d for count in (1, 2, 3, 4) for d in (-1, 0, 1)}
    | set(range(0, N, 997))
)


def test_the_database_perturbs_as_python_does(db: Session) -> None:
    for count in range(1, 13):
        for key in KEYS:
            # The key sum as the GROUP BY gives it: the key plus whole rounds of N.
            in_sql = db.scalar(select(perturbed_in_sql(literal(count), literal(key + 3 * N), 5)))
            assert in_sql == perturb(count, key, 5), (count, key)


def test_a_few_values_stated_literally(db: Session) -> None:
    # 2 reports: published as 5 when key/N < 2/5, else 0; 10 reports: 10 + (-2, -1, 0, 1, 2).
    cases = {
        (2, 0): 5,
        (2, 26214): 5,  # 26214 * 5 < 2 * 65536
        (2, 26215): 0,
        (10, 0): 8,
        (10, N // 2): 10,
        (10, N - 1): 12,
    }
    for (count, key), expected in cases.items():
        assert db.scalar(select(perturbed_in_sql(literal(count), literal(key), 5))) == expected
