"""``flask --app wsgi …`` as its own process, as a timer or an operator runs it, with a hard time-out.

A command that hangs fails the test (``subprocess.TimeoutExpired``) instead of hanging the suite.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from portal.config import Config
from tests.live_server import ROOT, environment

HANG_SECONDS = 45  # a command still going after this has hung


def flask(config: Config, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=environment(config),
        capture_output=True,
        text=True,
        timeout=HANG_SECONDS,
    )


def status(config: Config) -> tuple[dict[str, Any], int]:
    """``status --json``: the document and the exit status."""
    result = flask(config, "status", "--json")
    document: dict[str, Any] = json.loads(result.stdout)
    return document, result.returncode
