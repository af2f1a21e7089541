"""``GET /healthz`` for load balancers: ``200 ok``, ``200 degraded`` or ``503 unavailable``.

It is WSGI middleware outside everything else, so a health probe never reaches the client-key
middleware (no address is hashed, no Redis round trip for the day's secret), the rate limiter
(a balancer probing often must not be limited into marking the portal down) or the session
machinery (no session, no cookie). The answer names no version, backend or error: whoever
probes learns only whether the portal can serve.

- ``503 unavailable``: the database does not answer; nothing can be served or stored.
- ``200 degraded``: the database answers but Redis does not. The portal still serves every
  page, takes reports and opens cases (sessions in the database, limits per process: issue 19),
  so it stays in the balancer's rotation: a 503 here would take every server out at once when
  the one shared Redis fails, turning a part that is down into a portal that is down. Monitoring
  alerts on the body.
- ``200 ok``: both answer (or Redis is not configured).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Engine, text

from .security.headers import STATIC_HEADERS

PATH = "/healthz"
METHODS = ("GET", "HEAD")
logger = logging.getLogger(__name__)


class State(enum.Enum):
    OK = ("200 OK", b"ok\n")
    DEGRADED = ("200 OK", b"degraded\n")
    UNAVAILABLE = ("503 Service Unavailable", b"unavailable\n")


def state(engine: Engine, redis_client: Any) -> State:
    """The database answers ``SELECT 1``; Redis (when configured) answers a ping. A Redis that
    failed moments ago is not asked again (``redis_client.Pause``): degraded at once."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as error:  # whatever failed, the portal cannot serve: 503
        logger.warning("health check failed: %s", type(error).__name__)
        return State.UNAVAILABLE
    if redis_client is None:
        return State.OK
    try:
        redis_client.ping()
    except Exception:  # redis.RedisError, OSError: the portal serves on its fallbacks
        return State.DEGRADED  # redis_client.py logs the change once, not each probe
    return State.OK


class HealthCheck:
    def __init__(self, app: Callable[..., Iterable[bytes]], engine: Engine, redis_client: Any) -> None:
        self.app = app
        self.engine = engine
        self.redis_client = redis_client

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") not in METHODS:
            return self.app(environ, start_response)
        status, body = state(self.engine, self.redis_client).value
        headers = [
            *STATIC_HEADERS.items(),
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
        ]
        start_response(status, headers)
        return [b""] if environ["REQUEST_METHOD"] == "HEAD" else [body]
