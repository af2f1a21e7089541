"""Flask-Limiter keyed on the anonymised client key (never on an address)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, current_app, request
from flask_limiter import Limiter, RouteLimit

from .client_key import ENVIRON_KEY

GLOBAL_KEY = "global"


def _prefix() -> str:
    # Read per request rather than given to Flask-Limiter: the limiter is one object for the
    # process and keeps the key prefix (and default limits) of the first app it was given, so a
    # second app (tests, commands) would count in the first one's buckets.
    return f"{current_app.config['PORTAL'].redis_prefix}:limits"


def client_key() -> str:
    return f"{_prefix()}:{request.environ.get(ENVIRON_KEY, 'unknown')}"


def global_key() -> str:
    """One bucket for everybody: ceilings that must hold however many addresses attack."""
    return f"{_prefix()}:{GLOBAL_KEY}"


def configured(name: str) -> Callable[[], str]:
    """A limit read from the configuration at request time (limits are configurable)."""

    def value() -> str:
        return str(getattr(current_app.config["PORTAL"], name))

    return value


def _failed(response: Response) -> bool:
    return response.status_code == 401


def failure_ceiling() -> RouteLimit:
    """One budget of failed guesses (codes, passphrases) per form for everybody together: limits
    per address do not stop an attacker with many addresses. Only 401 answers count."""
    return limiter.limit(
        configured("limit_code_failures_global"), key_func=global_key, methods=["POST"], deduct_when=_failed
    )


limiter = Limiter(key_func=client_key, headers_enabled=False, default_limits=[configured("limit_default")])
