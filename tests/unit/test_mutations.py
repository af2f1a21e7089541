"""The suite's teeth (issue 19): every named mutation of bench/mutations.py makes its tests fail.

Slow (about 100 s with PostgreSQL + Redis on 2 cores, two mutations at a time): ``make test`` and CI run
it; a developer skips it with ``-m "not slow"``.
"""

from __future__ import annotations

import subprocess  # noqa: S404 - runs the repository's own script
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_every_mutation_is_killed() -> None:
    run = subprocess.run(  # noqa: S603 - our interpreter, our script
        [sys.executable, "-m", "bench.mutations"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "SURVIVED" not in run.stdout and "ERROR" not in run.stdout
