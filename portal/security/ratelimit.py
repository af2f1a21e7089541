"""Flask-Limiter keyed on the anonymised client key of the request's purpose (never on an address).

Every window on the pages of reporters and forum writers is at most an hour long
(``portal/config.py`` refuses longer ones), so no entry outlives the hourly secret behind its key
by more than that hour: see ``client_key.py`` and docs/keys.md.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, request
from flask_limiter import Limiter

from .client_key import ENVIRON_KEY, Purpose


def _prefix() -> str:
    # Read per request rather than given to Flask-Limiter: the limiter is one object for the
    # process and keeps the key prefix (and default limits) of the first app it was given, so a
    # second app (tests, commands) would count in the first one's buckets.
    return f"{current_app.config['PORTAL'].redis_prefix}:limits"


_PURPOSE_BY_BLUEPRINT = {
    "public": Purpose.REPORTING,
    "reporting": Purpose.REPORTING,
    "forum": Purpose.FORUM,
    "moderation": Purpose.MODERATOR,
    "setup": Purpose.MODERATOR,
}


# Sending a report; every other page of the reporting blueprint is the return with a code.
_SENDING = frozenset({"reporting.report", "reporting.receipt", "reporting.receipt_print"})


def request_purpose() -> Purpose:
    """The reporter's return (``/followup``...) is a purpose of its own, apart from sending."""
    if request.blueprint == "reporting" and request.endpoint not in _SENDING:
        return Purpose.CODE_LOGIN
    return _PURPOSE_BY_BLUEPRINT.get(request.blueprint or "", Purpose.REPORTING)


def client_key() -> str:
    purpose = request_purpose()
    digest = request.environ.get(ENVIRON_KEY, {}).get(purpose, "unknown")
    return f"{_prefix()}:{purpose.value}:{digest}"


def configured(name: str) -> Callable[[], str]:
    """A limit read from the configuration at request time (limits are configurable)."""

    def value() -> str:
        return str(getattr(current_app.config["PORTAL"], name))

    return value


limiter = Limiter(
    key_func=client_key,
    headers_enabled=False,
    default_limits=[configured("limit_default")],
    # Redis down: count in this process rather than answer 500 (reports must still arrive).
    in_memory_fallback_enabled=True,
)
