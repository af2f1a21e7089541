"""First-run wizard: the first admin, TOTP enrolment, the organisation and recovery keys."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("setup", __name__, url_prefix="/setup")

from . import views  # noqa: E402,F401
