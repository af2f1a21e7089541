"""A case's files for moderators: downloads, and the pictures the case page shows.

Every download is written to the audit log ("File downloaded"). A picture shown on the case page
is part of reading the case, which the page's own view logs once ("Case read"): logging each
picture as a download would record files leaving the portal that never left, one event per
picture on every visit. So the page gives each picture a permit (``security/previews``) for this
moderator and file; a request without a valid one is a download, sent as an attachment and logged.
"""

from __future__ import annotations

from flask import Response as FlaskResponse
from flask import abort, request, url_for

from ...db import db_session
from ...security import previews
from .. import bp
from ..auth import current_user, keyring
from . import service as cases


@bp.app_template_global()
def preview_url(report_id: int, file_id: int) -> str:
    """The picture's address with this moderator's permit (a global: imported macros see it)."""
    permit = previews.permit(current_user().id, report_id, file_id)
    return url_for("moderation.download", report_id=report_id, file_id=file_id, preview=permit)


@bp.get("/cases/<int:report_id>/files/<int:file_id>")
def download(report_id: int, file_id: int) -> FlaskResponse:
    user = current_user()
    permitted = previews.permits(request.args.get("preview"), user.id, report_id, file_id)
    try:
        info, content = cases.download(db_session(), report_id, file_id, keyring(), user, preview=permitted)
    except cases.CaseNotFound:
        abort(404)
    except cases.NoOrgKey:
        abort(403)
    except cases.NotAPicture:
        abort(404)
    response = FlaskResponse(content, mimetype=info.media_type)
    response.headers.set(
        "Content-Disposition", "inline" if permitted else "attachment", filename=info.filename
    )
    # A file from outside must never run as a page of the portal.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
