"""First-run wizard: the first admin, TOTP enrolment, the organisation and recovery keys; the
same wizard for each further organisation's first admin (its enrolment link)."""

from __future__ import annotations

from flask import Blueprint

# /setup (the installation's set-up link) and /enrol/<token> (an organisation's enrolment link).
bp = Blueprint("setup", __name__)

from . import views  # noqa: E402,F401
