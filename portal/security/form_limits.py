"""Limits on what a form stores, counted only when it was stored (issue 17, item 2).

Flask-Limiter's decorator counts every POST and answers the one over the limit with a bare 429:
a reporter's mistyped form counted as a report, and the report that went over the limit was lost.
Here the view asks :meth:`FormLimit.reached` once its form is valid and, when a budget is spent,
gives the form back with everything typed and the time at which it may be sent again; it calls
:meth:`FormLimit.count` only for a submission that was received. Refused forms cost nothing but
``limit_default`` (every page). Two requests at the very same moment may both pass the last
place of a budget: a limit against floods, not an exact count.

The buckets are the limiter's own (keyed on the anonymised client key, ``ratelimit.py``), in its
storage, with the clock windows of ``clock_windows.py``.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

import limits
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from ..domain import TIMEZONE
from .ratelimit import limiter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Budget:
    setting: str  # the Config field holding the Flask-Limiter string
    key: Callable[[], str]  # whose bucket: an anonymised client key (never an address)


class FormLimit:
    def __init__(self, name: str, *budgets: Budget) -> None:
        self.name = name
        self.budgets = budgets

    def _items(self) -> list[tuple[limits.RateLimitItem, tuple[str, ...]]]:
        config = current_app.config["PORTAL"]
        return [
            (item, (budget.key(), self.name, budget.setting))  # the client key first, as the decorator's
            for budget in self.budgets
            for item in limits.parse_many(getattr(config, budget.setting))
        ]

    def reached(self) -> dt.datetime | None:
        """When the spent budget is whole again, or None while every budget has room."""
        strategy = limiter.limiter
        spent: list[float] = []
        items = self._items()  # outside the try: a key may read the database, whose errors are the request's
        try:
            for item, keys in items:
                if not strategy.test(item, *keys):
                    spent.append(strategy.get_window_stats(item, *keys).reset_time)
        except Exception as error:  # redis raises several types: a limit must not cost a report
            log.warning("form limit not read: %s", type(error).__name__)
            return None
        return dt.datetime.fromtimestamp(math.ceil(max(spent)), dt.UTC) if spent else None

    def count(self) -> None:
        """One more submission received."""
        items = self._items()
        try:
            for item, keys in items:
                limiter.limiter.hit(item, *keys)
        except Exception as error:  # as in reached()
            log.warning("form limit not counted: %s", type(error).__name__)


def again_at(moment: dt.datetime, now: dt.datetime | None = None) -> str:
    """When to send again, in words: "after 15:00 (in about 25 minutes)", the portal's local time."""
    now = now or dt.datetime.now(dt.UTC)
    minutes = max(1, round((moment - now).total_seconds() / 60))
    wait = ngettext("%(num)d minute", "%(num)d minutes", minutes)
    return str(
        _("after %(time)s (in about %(wait)s)", time=moment.astimezone(TIMEZONE).strftime("%H:%M"), wait=wait)
    )
