"""`make run PORT=…` (issue 17, part 15): it serves on that port, and the links it prints point there.

The Makefile runs against a stand-in virtual environment whose programs only write down how they
were called, so that nothing is installed, migrated or served."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RECORDER = '#!/bin/sh\necho "$(basename "$0") $* | PORTAL_BASE_URL=$PORTAL_BASE_URL" >> "$CALLS"\n'

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def make_run(tmp_path: Path, *arguments: str, **environ: str) -> list[str]:
    venv, calls = tmp_path / "venv", tmp_path / "calls"
    (venv / "bin").mkdir(parents=True)
    for program in ("python", "pip", "pybabel", "flask"):
        (venv / "bin" / program).write_text(RECORDER)
        (venv / "bin" / program).chmod(0o755)
    (venv / ".installed").touch()  # newer than requirements.txt: nothing to install
    clean = {k: v for k, v in os.environ.items() if k not in {"PORT", "PORTAL_BASE_URL", "MAKEFLAGS"}}
    subprocess.run(
        ["make", "--no-print-directory", "-s", "run", f"VENV={venv}", f"INSTANCE={tmp_path}", *arguments],
        cwd=ROOT,
        env={**clean, "CALLS": str(calls), **environ},
        check=True,
        capture_output=True,
    )
    return [line for line in calls.read_text().splitlines() if line.startswith("flask ")]


def test_port_sets_where_it_serves_and_where_the_links_point(tmp_path: Path) -> None:
    assert make_run(tmp_path, "PORT=8123") == [
        "flask --app wsgi db upgrade | PORTAL_BASE_URL=http://127.0.0.1:8123",
        "flask --app wsgi setup-link | PORTAL_BASE_URL=http://127.0.0.1:8123",
        "flask --app wsgi run --host 127.0.0.1 --port 8123 | PORTAL_BASE_URL=http://127.0.0.1:8123",
    ]


def test_port_5000_by_default(tmp_path: Path) -> None:
    assert make_run(tmp_path)[-1] == (
        "flask --app wsgi run --host 127.0.0.1 --port 5000 | PORTAL_BASE_URL=http://127.0.0.1:5000"
    )


def test_a_base_url_of_ones_own_is_kept(tmp_path: Path) -> None:
    calls = make_run(tmp_path, "PORT=8123", PORTAL_BASE_URL="https://portal.example")
    assert calls[1] == "flask --app wsgi setup-link | PORTAL_BASE_URL=https://portal.example"
