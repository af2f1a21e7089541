"""The moderators' face: everything under /moderation needs a full log-in (deny by default)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("moderation", __name__, url_prefix="/moderation")

# Importing the modules adds their routes and hooks to bp, in any order (the menu is nav.MENU).
# auth.require_login stays the first hook: admin_views imports auth before it adds its own.
from . import admin_views, auth, forum_views, nav, views  # noqa: E402,F401
from .cases import views as case_views  # noqa: E402,F401
from .stats import views as stats_views  # noqa: E402,F401
