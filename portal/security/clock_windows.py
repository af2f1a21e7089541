"""Rate-limit entries whose expiry dates a request to its hour, or to its minute at most.

Flask-Limiter's fixed window starts at a client's first request and expires a window later: in
Redis every entry's time-to-live told that request's time to the second, for up to an hour
(issue 13 item 1). Here the expiry is moved onto the clock:

- an hour's window ends at the next full hour. The client key behind every entry changes at the
  full hour anyway (it is derived from the hourly secret, ``client_key.py``), so this is when the
  entry stops counting: the budget is the same, the entry only goes sooner;
- a shorter window (a minute's limit, a forum board's slow mode) ends at the first full minute
  after the window: never sooner than asked (the 11th code in a minute is still refused, slow
  mode still keeps a writer waiting at least its seconds), at most a minute later, and the entry
  dates its request to the minute only, while it lives. A window under a minute (slow mode of a
  few seconds) ends on the next multiple of itself after the window, at most twice its length;
- a longer expiry (the failed-code counter's) is rounded up to the full hour.

The same windows hold in Flask-Limiter's in-memory fallback while Redis is down
(:func:`use_clock_fallback`): a limit counts the same way, only per process.
"""

from __future__ import annotations

import math
import time
from typing import Any

from flask_limiter import Limiter
from limits.storage import MemoryStorage, RedisStorage

MINUTE = 60
HOUR = 60 * MINUTE
SCHEME = "portal+"

# INCRBY, and on the first hit EXPIREAT the window's end (the library's script uses EXPIRE).
_INCR_EXPIREAT = b"""
local current = redis.call("incrby", KEYS[1], ARGV[2])
if tonumber(current) == tonumber(ARGV[2]) then
    redis.call("expireat", KEYS[1], ARGV[1])
end
return current
"""


def window_end(now: float, expiry: int) -> int:
    """The Unix second at which an entry made at ``now`` for a window of ``expiry`` seconds ends."""
    if expiry == HOUR:
        return (int(now) // HOUR + 1) * HOUR
    step = min(expiry, MINUTE) if expiry < HOUR else HOUR
    return math.ceil((now + expiry) / step) * step


class ClockWindowRedisStorage(RedisStorage):
    """Redis storage for ``portal+redis://`` (and ``portal+rediss://``) URIs: windows on the clock."""

    STORAGE_SCHEME = [SCHEME + scheme for scheme in ("redis", "rediss", "redis+unix")]

    def __init__(self, uri: str, **options: Any) -> None:
        super().__init__(uri.removeprefix(SCHEME), **options)

    SCRIPT_INCR_EXPIRE = _INCR_EXPIREAT  # registered by the library as ``lua_incr_expire``

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        until = window_end(time.time(), int(expiry))
        return int(self.lua_incr_expire([self.prefixed_key(key)], [until, amount]))


class ClockWindowMemoryStorage(MemoryStorage):
    """This process's memory, with the same windows on the clock."""

    STORAGE_SCHEME = [SCHEME + "memory"]

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        return int(super().incr(key, window_end(now, int(expiry)) - now, amount))


def storage_uri(redis_url: str | None) -> str:
    """Flask-Limiter's ``RATELIMIT_STORAGE_URI``: clock windows in Redis, else this process's memory."""
    return SCHEME + redis_url if redis_url else "memory://"


def use_clock_fallback(limiter: Limiter) -> None:
    """Give Flask-Limiter's in-memory fallback (Redis down) clock windows too. Flask-Limiter
    makes a plain ``MemoryStorage`` for it, whose entries expire a window after their first
    hit; it offers no option for another class, so the two attributes it made are replaced."""
    fallback = getattr(limiter, "_fallback_limiter", None)
    if fallback is None:
        return
    storage = ClockWindowMemoryStorage()
    limiter._fallback_storage = storage
    limiter._fallback_limiter = type(fallback)(storage)
