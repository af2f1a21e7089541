"""Which requests gunicorn's access log leaves out (gunicorn.conf.py): a line carries the path and
the time to the second, so none may be written for a reporter's or forum writer's act, at either
address, nor for a one-time link whose token opens an account."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

LOGGED = runpy.run_path(str(Path(__file__).parents[2] / "gunicorn.conf.py"))["logged"]


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/report",
        "/report/receipt",
        "/followup/minutes/approve",
        "/forum/hot-och-trakasserier",
        "/o/kommun-b",
        "/o/kommun-b/",
        "/o/kommun-b/report",
        "/o/kommun-b/followup/meeting/answer",
        "/o/kommun-b/forum/",
        "/enrol/pwqBy3t4LlHZT_fjIpqqnqBkjWhaOVxjmc-uvh8zxgg",
        "/healthz",
        "/static/portal.css",
    ],
)
def test_no_line_for_reporters_writers_and_one_time_links(path: str) -> None:
    assert LOGGED(path) is False


@pytest.mark.parametrize(
    "path", ["/moderation/login", "/moderation/cases/12", "/operator/", "/setup", "/o/kommun-b/moderation"]
)
def test_moderators_and_operators_requests_are_logged(path: str) -> None:
    assert LOGGED(path) is True
