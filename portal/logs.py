"""Logging without addresses or form contents.

The client key middleware already removes the address before a request reaches any code
(the dev server then logs a placeholder); this filter is the second wall, scrubbing the
address column of werkzeug's access log whatever it holds.

Error lines carry the hour, never a finer time (issue 19): a "Redis unreachable" or an
unhandled error written while someone sent a report, dated to the millisecond (Flask's own
format), would date that report next to the employer's proxy log.
"""

from __future__ import annotations

import logging
import re
import time

from flask.logging import default_handler

ACCESS_LINE = re.compile(r"^\S+ - - \[")
HOUR_FORMAT = "%Y-%m-%d %H:00 UTC"  # the finest time an error line may carry


def hourly_formatter(
    fmt: str = "[%(asctime)s] %(levelname)s in %(module)s: %(message)s",
) -> logging.Formatter:
    """Flask's format, with the time cut to the UTC hour."""
    formatter = logging.Formatter(fmt, datefmt=HOUR_FORMAT)
    formatter.converter = time.gmtime
    return formatter


class AddressFreeFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = ACCESS_LINE.sub("- - - [", record.msg)
        return True


def init_logging() -> None:
    # Flask's handler for the app's logger ("portal" and every "portal.*" module's).
    default_handler.setFormatter(hourly_formatter())
    werkzeug_logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, AddressFreeFilter) for f in werkzeug_logger.filters):
        werkzeug_logger.addFilter(AddressFreeFilter())
