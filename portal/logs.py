"""Logging without addresses or form contents.

The client key middleware already removes the address before a request reaches any code
(the dev server then logs a placeholder); this filter is the second wall, scrubbing the
address column of werkzeug's access log whatever it holds.
"""

from __future__ import annotations

import logging
import re

ACCESS_LINE = re.compile(r"^\S+ - - \[")


class AddressFreeFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = ACCESS_LINE.sub("- - - [", record.msg)
        return True


def init_logging() -> None:
    werkzeug_logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, AddressFreeFilter) for f in werkzeug_logger.filters):
        werkzeug_logger.addFilter(AddressFreeFilter())
