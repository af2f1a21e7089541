"""The peer forum: pseudonymous, pre-moderated, with identification warnings. Works without JavaScript."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("forum", __name__, url_prefix="/forum")

from . import views  # noqa: E402,F401
