"""Signed permits for the pictures a moderator's case page shows inline (``moderation/cases/files``).

The case page is read once and logged once; the pictures in it are fetched by the browser as
separate requests. A permit ties one such request to that page view: it names the moderator, the
case and the file, is signed with the app's secret (itsdangerous) and lasts no longer than the
longest session. A request without a valid permit is a download, and is logged as one.
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer

SALT = "portal-case-picture-preview"


def _serializer() -> URLSafeTimedSerializer:
    secret = current_app.secret_key
    if not secret:
        raise RuntimeError("preview permits need the app's secret key")
    return URLSafeTimedSerializer(secret, salt=SALT)


def permit(user_id: int, report_id: int, file_id: int) -> str:
    return _serializer().dumps([user_id, report_id, file_id])


def permits(token: str | None, user_id: int, report_id: int, file_id: int) -> bool:
    """Whether ``token`` is a permit, still valid, for this moderator, case and file."""
    if not token:
        return False
    lifetime = int(current_app.config["PORTAL"].session_absolute_seconds)
    try:
        named = _serializer().loads(token, max_age=lifetime)
    except BadData:
        return False
    return bool(named == [user_id, report_id, file_id])
