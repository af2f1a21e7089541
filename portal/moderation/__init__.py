"""The moderators' face: everything under /moderation needs a full log-in (deny by default)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("moderation", __name__, url_prefix="/moderation")

# Routes register themselves on bp; the menu lists pages in this order.
from . import auth, nav, views  # noqa: E402,F401
from . import case_views  # noqa: E402,F401
from . import forum_views  # noqa: E402,F401
from . import stats_views  # noqa: E402,F401
from . import admin_views  # noqa: E402,F401
