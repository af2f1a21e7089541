"""The moderation menu and the dashboard's extra counters, written out: nothing is added at import."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import g
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ..db import db_session
from ..forum import moderation as forum_moderation
from . import bp


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
    Link("moderation.local_texts", _l("Texts for reporters"), admin_only=True),
    Link("moderation.retention_period", _l("Retention period"), admin_only=True),
    Link("moderation.password", _l("Change password")),
)


@dataclass(frozen=True)
class Counter:
    endpoint: str
    text: LazyString
    count: int


def _forum_queue_size(db: Session) -> int:
    """The posts waiting on the boards the logged-in moderator moderates."""
    return forum_moderation.queue_size(db, g.moderator)


# What the dashboard counts besides the cases, each linking to the page where the work waits.
COUNTERS: tuple[tuple[str, LazyString, Callable[[Session], int]], ...] = (
    ("moderation.forum_queue", _l("forum posts to review"), _forum_queue_size),
)


@bp.app_context_processor
def menu() -> dict[str, object]:
    def moderation_links() -> list[Link]:
        user = g.get("moderator")
        return [link for link in MENU if user is not None and (user.is_admin or not link.admin_only)]

    def dashboard_extras() -> list[Counter]:
        return [Counter(endpoint, text, count(db_session())) for endpoint, text, count in COUNTERS]

    return {
        "moderation_links": moderation_links,
        "dashboard_extras": dashboard_extras,
        "current_moderator": lambda: g.get("moderator"),
    }
