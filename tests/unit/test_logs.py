"""Error lines are dated to the hour at most (portal/logs.py; gunicorn's lines: tests/faults/test_redis_down.py)."""

from __future__ import annotations

import logging
import time

from flask.logging import default_handler

from portal.logs import hourly_formatter, init_logging


def _record() -> logging.LogRecord:
    record = logging.LogRecord(
        "portal.health", logging.WARNING, "health.py", 1, "Redis unreachable", (), None
    )
    record.created = time.mktime((2026, 12, 3, 5, 43, 36, 0, 0, 0)) - time.timezone  # 05:43:36 UTC
    record.msecs = 856.0
    return record


def test_flask_s_handler_dates_a_line_to_the_utc_hour() -> None:
    init_logging()
    line = default_handler.format(_record())
    assert line == "[2026-12-03 05:00 UTC] WARNING in health: Redis unreachable"
    assert hourly_formatter().format(_record()) == line
