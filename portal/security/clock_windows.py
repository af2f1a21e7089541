"""Rate-limit windows that end on the clock, so that no entry's expiry dates a request.

Flask-Limiter's fixed window starts at a client's first request and expires a window later: in
Redis every entry's time-to-live told that request's time to the second, for up to an hour
(issue 13 item 1). Here a window of up to an hour ends at the next multiple of its length since
the epoch: an hour's window at the next full hour, a minute's at the next full minute. An entry
then says "this (anonymised) client was here during this hour", which is all the hourly secret
behind its key lets it say anyway; a minute's entry is gone within the minute. Longer expiries
(the failed-code counter's) are rounded up to the full hour.

A clock window is a fixed window like the library's, only aligned: a client may spend its budget
at the end of one window and again at the start of the next, as with any fixed window.
"""

from __future__ import annotations

import math
import time
from typing import Any

from limits.storage import RedisStorage

HOUR = 60 * 60
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
    if expiry <= HOUR:
        return (int(now) // expiry + 1) * expiry
    return math.ceil((now + expiry) / HOUR) * HOUR


class ClockWindowRedisStorage(RedisStorage):
    """Redis storage for ``portal+redis://`` (and ``portal+rediss://``) URIs: windows on the clock."""

    STORAGE_SCHEME = [SCHEME + scheme for scheme in ("redis", "rediss", "redis+unix")]

    def __init__(self, uri: str, **options: Any) -> None:
        super().__init__(uri.removeprefix(SCHEME), **options)

    SCRIPT_INCR_EXPIRE = _INCR_EXPIREAT  # registered by the library as ``lua_incr_expire``

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        until = window_end(time.time(), int(expiry))
        return int(self.lua_incr_expire([self.prefixed_key(key)], [until, amount]))


def storage_uri(redis_url: str | None) -> str:
    """Flask-Limiter's ``RATELIMIT_STORAGE_URI``: clock windows in Redis, else this process's memory."""
    return SCHEME + redis_url if redis_url else "memory://"
