"""The moderators' face: everything under /moderation needs a full log-in (deny by default)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("moderation", __name__, url_prefix="/moderation")

from . import auth, views  # noqa: E402,F401  (routes register themselves on bp)
