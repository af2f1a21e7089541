"""Flask-Limiter keyed on the anonymised client key (never on an address)."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, request
from flask_limiter import Limiter

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


limiter = Limiter(key_func=client_key, headers_enabled=False, default_limits=[configured("limit_default")])
