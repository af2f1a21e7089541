"""The moderation menu, written out in the order it is shown; no page module adds to it at import."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import g
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from . import bp

# Dashboard counters other faces contribute (e.g. the forum's moderation queue).
_COUNTERS: list[tuple[str, LazyString, Callable[[], int]]] = []


@dataclass(frozen=True)
class Link:
    endpoint: str
    text: LazyString
    admin_only: bool = False


# A new moderator page gets its entry here; auth.require_login guards it whether listed or not.
MENU: tuple[Link, ...] = (
    Link("moderation.dashboard", _l("Overview")),
    Link("moderation.queue_page", _l("Cases")),
    Link("moderation.forum_queue", _l("Forum")),
    Link("moderation.stats_page", _l("Statistics")),
    Link("moderation.users", _l("Users"), admin_only=True),
    Link("moderation.audit", _l("Audit log"), admin_only=True),
    Link("moderation.reply_templates", _l("Quick replies"), admin_only=True),
    Link("moderation.password", _l("Change password")),
)


@dataclass(frozen=True)
class Counter:
    endpoint: str
    text: LazyString
    count: int


def add_counter(endpoint: str, text: LazyString, count: Callable[[], int]) -> None:
    _COUNTERS.append((endpoint, text, count))


@bp.app_context_processor
def menu() -> dict[str, object]:
    def moderation_links() -> list[Link]:
        user = g.get("moderator")
        return [link for link in MENU if user is not None and (user.is_admin or not link.admin_only)]

    def dashboard_extras() -> list[Counter]:
        return [Counter(endpoint, text, count()) for endpoint, text, count in _COUNTERS]

    return {
        "moderation_links": moderation_links,
        "dashboard_extras": dashboard_extras,
        "current_moderator": lambda: g.get("moderator"),
    }
