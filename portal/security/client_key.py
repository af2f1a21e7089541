"""The one place that reads the client's network address.

DESIGN.md §3 (rate limits without addresses): the address is turned at once into one keyed hash
per purpose and then removed from the WSGI environment, so no later code, log line (the dev
server logs ``REMOTE_ADDR`` from the same environ) or error report can see it.

Threat: an insider with a copy of Redis (live or dumped) and of the instance folder, and the
employer's proxy log with its outside address. Three properties keep them from learning that
address X reported, or linking a report to a forum post:

- **Forward secrecy.** The secret is random, new every hour, and lives only in memory and in Redis
  with an expiry at the end of its hour (plus ``CLOCK_GRACE_SECONDS`` for servers whose clocks
  differ a little). Nothing derived from it is written to disk, so once the hour has passed, no copy
  of Redis or of any file lets anyone recompute ``HMAC(secret, X)`` and test an address against
  an older rate-limit entry.
- **One key per purpose.** ``HMAC(HMAC(secret, purpose), address)``: the buckets of one address
  for reporting, code log-in, forum and moderator log-in look unrelated, so a dump cannot join a
  report to a forum post made from the same address in the same hour.
- **Shared, but not dependent on Redis.** Every worker and server takes the hour's secret from
  Redis (the first to ask creates it, atomically); if Redis cannot be reached, the process makes
  its own for a minute at a time and the portal keeps answering (limits then count per process).
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

ENVIRON_KEY = "portal.client_keys"
PLACEHOLDER_ADDRESS = "0.0.0.0"
ADDRESS_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED")
SECRET_SECONDS = 60 * 60  # one secret per clock hour (UTC), then it is destroyed
# Seconds the hour's secret outlives its hour in Redis, for servers whose clocks lag a little
# (keep them on NTP): the bound on how old a testable entry can be is one hour plus this.
CLOCK_GRACE_SECONDS = 60
LOCAL_RETRY_SECONDS = 60  # while Redis is unreachable, how long a process keeps its own secret

log = logging.getLogger(__name__)


class Purpose(enum.Enum):
    """What a rate-limit bucket counts; buckets of different purposes cannot be joined."""

    REPORTING = "reporting"  # the start page and sending a report
    CODE_LOGIN = "code-login"  # coming back with a code, and the reporter's case page
    FORUM = "forum"  # reading, writing and flagging in the forum
    MODERATOR = "moderator"  # moderator log-in, the moderation pages, the setup wizard


class HourlySecret:
    """The current hour's secret, and the per-purpose keys derived from it.

    With a Redis client, shared by every process that uses the same Redis and prefix; without one
    (or while Redis is down), per process. Only the current hour's values are kept: at the turn
    of the hour the old ones are dropped here and expire in Redis.
    """

    def __init__(self, client: Any = None, prefix: str = "portal") -> None:
        self._client = client
        self._prefix = prefix
        self._lock = threading.Lock()
        self._hour = -1
        self._valid_until = 0.0
        self._keys: dict[Purpose, bytes] = {}
        self._local = (-1, b"")  # this process's own secret for an hour in which Redis failed

    def forget(self) -> None:
        """Drop the secret and keys held, so that the next request draws or fetches them afresh
        (in a process forked from one that held them: its own secret, never its parent's)."""
        with self._lock:
            self._hour, self._valid_until, self._keys = -1, 0.0, {}
            self._local = (-1, b"")

    def keys(self) -> dict[Purpose, bytes]:
        now = now_seconds()
        hour = int(now // SECRET_SECONDS)
        with self._lock:
            if hour != self._hour or now >= self._valid_until:
                secret, self._valid_until = self._secret(hour, now)
                self._hour = hour
                self._keys = {p: _derive(secret, p) for p in Purpose}
            return self._keys

    def _secret(self, hour: int, now: float) -> tuple[bytes, float]:
        hour_end = (hour + 1) * SECRET_SECONDS
        if self._client is None:
            return secrets.token_bytes(32), hour_end
        fresh = secrets.token_bytes(32)
        key = f"{self._prefix}:ratelimit-secret:{hour}"
        try:
            # NX: the first process of the hour creates it, every other one reads that one.
            self._client.set(key, fresh, nx=True, exat=hour_end + CLOCK_GRACE_SECONDS)
            stored = self._client.get(key)
            if now >= hour * SECRET_SECONDS + CLOCK_GRACE_SECONDS:
                # Past the grace, the previous hour's secret goes now rather than at its expiry.
                self._client.delete(f"{self._prefix}:ratelimit-secret:{hour - 1}")
        except Exception:  # redis.RedisError, OSError: keep answering without shared counts
            log.warning("Redis unreachable: rate-limit keys are per process for now")
            stored = None
        if stored:
            return bytes(stored), hour_end
        # Redis failed: this process's own secret for the hour (so its counts go on), and Redis is
        # asked again in a minute.
        if self._local[0] != hour:
            self._local = (hour, fresh)
        return self._local[1], min(hour_end, now + LOCAL_RETRY_SECONDS)


def now_seconds() -> float:
    """The clock the hours are counted on (UTC epoch seconds; a function so tests can move it)."""
    return time.time()


def _derive(secret: bytes, purpose: Purpose) -> bytes:
    return hmac.new(secret, b"ratelimit-purpose:" + purpose.value.encode(), hashlib.sha256).digest()


def client_keys(keys: dict[Purpose, bytes], address: str) -> dict[Purpose, str]:
    return {p: hmac.new(k, address.encode(), hashlib.sha256).hexdigest()[:32] for p, k in keys.items()}


class ClientKeyMiddleware:
    """WSGI middleware: address in, one keyed hash per purpose out, address gone."""

    def __init__(
        self, app: Callable[..., Iterable[bytes]], secret: HourlySecret, proxy_count: int = 0
    ) -> None:
        self.app = app
        self.secret = secret
        self.proxy_count = proxy_count

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        environ[ENVIRON_KEY] = client_keys(self.secret.keys(), self._client_address(environ))
        environ["REMOTE_ADDR"] = PLACEHOLDER_ADDRESS
        for header in ADDRESS_HEADERS:
            environ.pop(header, None)
        return self.app(environ, start_response)

    def _client_address(self, environ: dict[str, Any]) -> str:
        # Behind N trusted proxies the client is the N-th address from the right.
        if self.proxy_count:
            forwarded = str(environ.get("HTTP_X_FORWARDED_FOR", ""))
            hops = [h.strip() for h in forwarded.split(",") if h.strip()]
            if len(hops) >= self.proxy_count:
                return hops[-self.proxy_count]
        return str(environ.get("REMOTE_ADDR", ""))
