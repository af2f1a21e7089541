"""`.ci/run` waits for the package manager's lock rather than failing when another install runs."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

CI_RUN = Path(__file__).resolve().parents[2] / ".ci" / "run"


def apt_get_calls() -> list[list[str]]:
    calls = []
    for line in CI_RUN.read_text().splitlines():
        code = line.split("#", 1)[0]
        if re.search(r"\bapt-get\b", code):
            words = shlex.split(code)
            calls.append(words[words.index("apt-get") :])
    return calls


def test_there_are_apt_get_calls_to_check() -> None:
    subcommands = {
        next(w for w in call[1:] if not w.startswith("-") and "=" not in w) for call in apt_get_calls()
    }
    assert {"update", "install"} <= subcommands


def test_every_apt_get_call_waits_ten_minutes_for_the_lock() -> None:
    for call in apt_get_calls():
        options = [call[i + 1] for i, word in enumerate(call[:-1]) if word == "-o"]
        assert "DPkg::Lock::Timeout=600" in options, call
