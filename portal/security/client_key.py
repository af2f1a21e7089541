"""The one place that reads the client's network address.

DESIGN.md §3 (rate limits without addresses): the address is turned at once into
``HMAC(secret of the day, address)`` and then removed from the WSGI environment, so no
later code, log line (the dev server logs ``REMOTE_ADDR`` from the same environ) or error
report can see it. The secret lives only in memory or in Redis with an expiry and changes
every day, so yesterday's keys cannot be linked to today's or recomputed from a dump.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable, Iterable
from typing import Any

ENVIRON_KEY = "portal.client_key"
PLACEHOLDER_ADDRESS = "0.0.0.0"
ADDRESS_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED")
SECRET_TTL_SECONDS = 2 * 24 * 60 * 60  # the day's secret outlives the day by one day, then expires


class MemoryDailySecret:
    """A per-process secret per UTC day (enough for one worker: memory:// limiter)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._day = ""
        self._secret = b""

    def for_day(self, day: str) -> bytes:
        with self._lock:
            if day != self._day:
                self._day, self._secret = day, secrets.token_bytes(32)
            return self._secret


class RedisDailySecret:
    """One secret per day shared by every worker and server, expiring in Redis."""

    def __init__(self, client: Any, prefix: str) -> None:
        self._client = client
        self._prefix = prefix
        self._cache: tuple[str, bytes] | None = None

    def for_day(self, day: str) -> bytes:
        if self._cache and self._cache[0] == day:
            return self._cache[1]
        key = f"{self._prefix}:ratelimit-secret:{day}"
        self._client.set(key, secrets.token_bytes(32), nx=True, ex=SECRET_TTL_SECONDS)
        secret = bytes(self._client.get(key))
        self._cache = (day, secret)
        return secret


class ClientKeyMiddleware:
    """WSGI middleware: address in, keyed hash out, address gone."""

    def __init__(self, app: Callable[..., Iterable[bytes]], daily_secret: Any, proxy_count: int = 0) -> None:
        self.app = app
        self.daily_secret = daily_secret
        self.proxy_count = proxy_count

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        address = self._client_address(environ)
        day = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
        digest = hmac.new(self.daily_secret.for_day(day), address.encode(), hashlib.sha256)
        environ[ENVIRON_KEY] = digest.hexdigest()[:32]
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
