"""The suite's teeth (issue 19): every named mutation of bench/mutations.py makes its tests fail.

One slow test per mutation, so that the test processes share them out (each runs pytest on a
copy of the repository with the mutation applied, 5 to 40 s): ``make test`` and CI run them; a
developer skips them with ``-m "not slow"``. The script's unmutated first run is left out here:
the suite that runs these tests also runs the guarding tests unmutated, and fails if they do.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import mutations
from tests.settings import REDIS_URL


@pytest.mark.slow
@pytest.mark.parametrize("mutation", mutations.MUTATIONS, ids=lambda mutation: mutation.name)
def test_mutation_is_killed(mutation: mutations.Mutation, tmp_path: Path) -> None:
    if mutation.needs_redis and not REDIS_URL:
        pytest.skip("guarded on Redis only: set PORTAL_TEST_REDIS_URL")
    copy = mutations.copy_repository(tmp_path / "repository")
    code, _seconds, summary = mutations.try_mutation(copy, mutation)
    # pytest's 1 is "tests failed": the mutation is killed; 0 is a survivor, 2 to 5 a broken run.
    assert code == 1, f"{mutation.name}: exit status {code} ({summary})"
