"""``GET /healthz`` for load balancers: ``200 ok`` or ``503 unavailable``, nothing more.

It is WSGI middleware outside everything else, so a health probe never reaches the client-key
middleware (no address is hashed, no Redis round trip for the day's secret), the rate limiter
(a balancer probing often must not be limited into marking the portal down) or the session
machinery (no session, no cookie). The answer names no version, backend or error: whoever
probes learns only whether the portal can serve.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Engine, text

from .security.headers import STATIC_HEADERS

PATH = "/healthz"
METHODS = ("GET", "HEAD")
logger = logging.getLogger(__name__)


def healthy(engine: Engine, redis_client: Any) -> bool:
    """The database answers ``SELECT 1`` and Redis (when configured) answers a ping."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        if redis_client is not None:
            redis_client.ping()
    except Exception as error:  # whatever failed, the portal cannot serve: 503
        logger.warning("health check failed: %s", type(error).__name__)
        return False
    return True


class HealthCheck:
    def __init__(self, app: Callable[..., Iterable[bytes]], engine: Engine, redis_client: Any) -> None:
        self.app = app
        self.engine = engine
        self.redis_client = redis_client

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") not in METHODS:
            return self.app(environ, start_response)
        ok = healthy(self.engine, self.redis_client)
        body = b"ok\n" if ok else b"unavailable\n"
        headers = [
            *STATIC_HEADERS.items(),
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
        ]
        start_response("200 OK" if ok else "503 Service Unavailable", headers)
        return [b""] if environ["REQUEST_METHOD"] == "HEAD" else [body]
