"""The portal's Redis client: short timeouts, and a pause after a failure (issue 19 item 1).

Redis holds what can be rebuilt or done without: sessions (the database takes them meanwhile,
``security/session_fallback.py``), rate-limit counts (this process's memory meanwhile,
``security/clock_windows.py``) and the hour's secret (this process's own meanwhile,
``security/client_key.py``). So a Redis that is down must cost a request nothing but the
fallback: every command and pipeline gives up after ``timeout`` seconds (refused at once, or no
answer from a host that is unreachable or hung), and after a failure the client does not ask
Redis again for ``pause`` seconds but raises :class:`Paused` at once. The first command after
the pause tries again: the portal returns to Redis by itself.

The log says when Redis went away and when it came back, once each, with no time and nothing
about any request (DESIGN.md §3).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.client import Pipeline
from redis.retry import Retry

log = logging.getLogger(__name__)
# What a Redis that is down raises (BusyLoadingError, a Redis still loading, is a ConnectionError).
DOWN_ERRORS = (redis.ConnectionError, redis.TimeoutError)


class Paused(redis.ConnectionError):
    """Redis failed a moment ago and is not asked again until the pause ends."""


class Pause:
    """When Redis failed last, shared by a client and its pipelines (one per process)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._lock = threading.Lock()
        self._until = 0.0
        self._down = False

    @property
    def down(self) -> bool:
        """Did the last command fail? (Until a command succeeds again, even after the pause.)"""
        return self._down

    def run(self, command: Any, *args: Any, **options: Any) -> Any:
        if time.monotonic() < self._until:
            raise Paused("Redis is paused after a failure")
        try:
            result = command(*args, **options)
        except DOWN_ERRORS:
            with self._lock:
                self._until = time.monotonic() + self.seconds
                if not self._down:
                    log.warning(
                        "Redis unreachable: sessions go to the database, rate limits count per "
                        "process; asked again every %g s",
                        self.seconds,
                    )
                self._down = True
            raise
        if self._down:
            with self._lock:
                if self._down:
                    log.warning("Redis answers again: sessions and rate limits are back in Redis")
                self._down = False
        return result


class GuardedPipeline(Pipeline):
    pause: Pause

    def execute(self, raise_on_error: bool = True) -> Any:
        return self.pause.run(super().execute, raise_on_error)


class GuardedRedis(redis.Redis):
    """``redis.Redis`` whose every command and pipeline goes through one :class:`Pause`."""

    pause: Pause

    def execute_command(self, *args: Any, **options: Any) -> Any:
        return self.pause.run(super().execute_command, *args, **options)

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> Pipeline:
        pipe = GuardedPipeline(self.connection_pool, self.response_callbacks, transaction, shard_hint)
        pipe.pause = self.pause
        return pipe


def client_options(timeout_seconds: float) -> dict[str, Any]:
    """Timeouts for any Redis client of the portal (also Flask-Limiter's): no retry, no wait."""
    return {
        "socket_timeout": timeout_seconds,
        "socket_connect_timeout": timeout_seconds,
        "retry": Retry(NoBackoff(), 0),
    }


def connect(url: str, timeout_seconds: float, pause_seconds: float) -> GuardedRedis:
    client = GuardedRedis.from_url(url, **client_options(timeout_seconds))
    assert isinstance(client, GuardedRedis)  # from_url builds the class it is called on
    client.pause = Pause(pause_seconds)
    return client
