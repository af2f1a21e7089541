"""The reporter's face: /report and /followup. Works fully without JavaScript."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reporting", __name__)

from . import views  # noqa: E402,F401
