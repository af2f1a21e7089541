"""The case page with a message or note that a new log-in carried (moderation/drafts.py)."""

from __future__ import annotations

from flask import abort, flash
from flask_babel import gettext as _

from ...db import db_session
from ...pages import Page
from .. import bp, drafts
from ..forms import DraftForm
from . import service as cases
from .forms import MessageForm, NoteForm
from .views import _case_page

SLOTS = {
    "moderation.send_message": ("message_form", MessageForm),
    "moderation.add_note": ("note_form", NoteForm),
}


@bp.post("/cases/<int:report_id>/draft")
def resume_draft(report_id: int) -> Page:
    try:
        cases.get(db_session(), report_id)  # another organisation's case, or none: 404 first
    except cases.CaseNotFound:
        abort(404)
    form = DraftForm()
    draft = drafts.opened(form.draft.data) if form.validate_on_submit() else None
    if draft is None or draft.report_id != report_id:
        abort(400)
    slot, form_class = SLOTS[draft.endpoint]
    carried = form_class(
        formdata=None, data={**draft.fields, "feedback": draft.fields.get("feedback") == "y"}
    )
    flash(_("What you wrote is back in its field below. Check it and send it."), "info")
    return _case_page(report_id, **{slot: carried})
