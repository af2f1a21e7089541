"""Failed codes and passphrases, counted per clock hour for the operator, never to refuse anyone.

A code has 80 random bits: a million guesses an hour would need about 10^14 years to find one
(issue 13, item 2). So there is no ceiling for everybody together, which anyone with a few
addresses could trip to lock every reporter out; only each address's own limit refuses. What the
operator needs is to know that a flood is going on: every 401 on the reporter's return, the forum
code and the forum gate adds one to a counter of the current UTC hour, in the limiter's storage
(Redis, or this process's memory without it), under ``<prefix>:code-failures:<YYYYMMDDHH>``. The
key holds no address and no hash of one; it expires at the end of the following hour, so its
time-to-live dates nothing finer than the hour either.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from flask import after_this_request, current_app
from limits.storage import Storage
from werkzeug.wrappers import Response

from ..db import utcnow
from .ratelimit import limiter

HOUR = dt.timedelta(hours=1)
FAILED = 401  # what the three forms answer when the code or passphrase opens nothing

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")


def _key(hour: dt.datetime) -> str:
    return f"{current_app.config['PORTAL'].redis_prefix}:code-failures:{hour:%Y%m%d%H}"


def _hour(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def _storage() -> Storage:
    # The limiter's own choice: Redis, or this process's memory while Redis is found down (its
    # fallback), so that a dead Redis is not asked again on every failure.
    return limiter.limiter.storage


def record() -> None:
    """One more failure in the current hour. Never fails the request: an error of the storage
    leaves the failure uncounted."""
    now = utcnow()
    expires = _hour(now) + 2 * HOUR  # the end of the next hour: readable as "the hour before"
    try:
        _storage().incr(_key(_hour(now)), max(1, int((expires - now).total_seconds())))
    except Exception as error:  # redis raises several types; counting must not cost an answer
        log.warning("failed code not counted: %s", type(error).__name__)


def counted(view: Callable[P, R]) -> Callable[P, R]:
    """Decorate a code or passphrase form: count each of its 401 answers (no refusal here)."""

    @functools.wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        @after_this_request
        def count(response: Response) -> Response:
            if response.status_code == FAILED:
                record()
            return response

        return view(*args, **kwargs)

    return wrapper


@dataclass(frozen=True)
class Failures:
    this_hour: int
    hour_before: int
    threshold: int

    @property
    def most(self) -> int:
        return max(self.this_hour, self.hour_before)

    @property
    def alarming(self) -> bool:
        return self.most > self.threshold


def recent(now: dt.datetime | None = None) -> Failures:
    """The failures of the current and the previous UTC hour (needs an app context)."""
    hour = _hour(now or utcnow())
    threshold = current_app.config["PORTAL"].alert_failed_codes_per_hour
    try:
        counts = [_storage().get(_key(h)) for h in (hour, hour - HOUR)]
    except Exception as error:  # as in record(): an unreachable storage reads as nothing counted
        log.warning("failed codes not read: %s", type(error).__name__)
        counts = [0, 0]
    return Failures(this_hour=counts[0], hour_before=counts[1], threshold=threshold)
