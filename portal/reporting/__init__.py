"""The reporter's face: /report and /followup. Works fully without JavaScript."""

from __future__ import annotations

from flask import Blueprint

from .. import reporter_address

bp = Blueprint("reporting", __name__)
bp.url_value_preprocessor(reporter_address.read_address)

from . import answer_views, reply_views, views  # noqa: E402,F401
