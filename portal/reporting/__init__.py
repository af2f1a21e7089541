"""The reporter's face: /report and /followup. Works fully without JavaScript."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reporting", __name__)

from . import views  # noqa: E402,F401
from .messages import removal_label  # noqa: E402

# What cleaning removed from a file: shown to the reporter and, on the case page, to moderators.
bp.add_app_template_global(removal_label)
