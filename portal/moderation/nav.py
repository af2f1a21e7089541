"""The moderation menu: each page module adds its own entry when it is imported."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import g
from flask_babel import LazyString

from . import bp

_LINKS: list[tuple[str, LazyString, bool]] = []
# Dashboard counters other faces contribute (e.g. the forum's moderation queue).
_COUNTERS: list[tuple[str, LazyString, Callable[[], int]]] = []


@dataclass(frozen=True)
class Counter:
    endpoint: str
    text: LazyString
    count: int


def add(endpoint: str, text: LazyString, admin_only: bool = False) -> None:
    _LINKS.append((endpoint, text, admin_only))


def add_counter(endpoint: str, text: LazyString, count: Callable[[], int]) -> None:
    _COUNTERS.append((endpoint, text, count))


@bp.app_context_processor
def menu() -> dict[str, object]:
    def moderation_links() -> list[tuple[str, LazyString, bool]]:
        user = g.get("moderator")
        return [link for link in _LINKS if user is not None and (user.is_admin or not link[2])]

    def dashboard_extras() -> list[Counter]:
        return [Counter(endpoint, text, count()) for endpoint, text, count in _COUNTERS]

    return {
        "moderation_links": moderation_links,
        "dashboard_extras": dashboard_extras,
        "current_moderator": lambda: g.get("moderator"),
    }
