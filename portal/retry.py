"""Ask again, for a moment, a part that is down: for a write that must follow one already made.

A report's rows are committed before its session (which carries the receipt's code) is saved
(portal/db.py, then security/sessions.py). A database that restarts between the two would leave
a stored report whose answer is the 503 "nothing was stored": the reporter sends it again and the
moderators see it twice. A fast restart takes well under a second, so the session's save asks
again for up to ``RETRY_SECONDS`` before it gives up (the 503).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from . import unavailable

RETRY_SECONDS = 2.0  # at most this long a request waits for a part that went down under it
INTERVAL_SECONDS = 0.2

T = TypeVar("T")


def while_unavailable(operation: Callable[[], T], seconds: float = RETRY_SECONDS) -> T:
    """``operation()``, asked again while it fails because a part is down, for ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return operation()
        except Exception as error:
            if not unavailable.is_unavailable(error) or time.monotonic() >= deadline:
                raise
        time.sleep(INTERVAL_SECONDS)
