"""The reporter's reply (``/followup/reply``: a message, files, or both; the one place the reporter
writes and adds files), also when their session has ended while they wrote:
the reply comes back with a field for the code, and the code opens the case and sends it."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from .. import reporter_address, submissions
from ..cases import uploads
from ..db import db_session
from ..installation import current_config
from ..pages import Page, form_page
from ..security import failed_codes
from ..security.codes import CodeNotFound
from ..security.csrf import shows_form_again
from ..security.form_limits import Budget, FormLimit
from ..security.ratelimit import client_key
from ..upload_spool import uploads_of
from . import bp, service
from .forms import NOTHING_TO_SEND, ReplyForm, ReplyWithCodeForm
from .messages import upload_error
from .views import REPORT_ID, case_keys, show_case, start_case_session, to_case

# Codes typed here count like those on /followup (each attempt, its own bucket of the same size).
CODE_ATTEMPTS = FormLimit("reply-code", Budget("limit_code_login", client_key))
REPLIES = FormLimit("reporter-reply-received", Budget("limit_reporter_reply", client_key))
TEMPLATE = "reporting/reply_again.html"
SESSION_ENDED = _l(
    "Your session had ended, so your message has not been sent yet. Enter your code: your case "
    "opens and the message below is sent."
)


@reporter_address.route(bp, "/followup/reply", methods=["POST"])
@shows_form_again
@failed_codes.counted
def reply() -> Page:
    if not session.get(REPORT_ID):
        return _with_code()
    report_id, key = case_keys()
    form = ReplyForm()
    if not form.validate_on_submit():
        return show_case(400, reply_form=form)
    return _send(form, report_id, key, lambda status: show_case(status, reply_form=form))


def _send(form: ReplyForm, report_id: int, key: bytes, refused: Callable[[int], Page]) -> Page:
    """Send a valid reply, or answer ``refused(status)`` with the reason on the form."""
    try:
        submissions.admit(REPLIES, submissions.MESSAGE_RECEIVED)
        text = form.message.data or ""
        service.reply(db_session(), report_id, key, text, uploads_of(form.attachments.data or []))
    except submissions.Refused as not_stored:
        form.form_errors.append(not_stored.sentence)
        return refused(not_stored.status)
    except uploads.UploadRefused as refusal:
        form.attachments.errors = [upload_error(refusal)]
        return refused(400)
    except service.NothingToSend:
        form.message.errors = [str(NOTHING_TO_SEND)]
        return refused(400)
    REPLIES.count()
    flash(_("Your message has been sent.") if text.strip() else _("Your files have been added."), "info")
    return redirect(url_for("reporting.case"), code=303)


def _with_code() -> Page:
    form = ReplyWithCodeForm()
    valid = form.validate_on_submit()
    if "code" not in request.form:  # straight from the case page: ask for the code, nothing else
        form.code.errors = []
        form.form_errors.append(str(SESSION_ENDED))
        return form_page(TEMPLATE, form, status=400)
    if not valid:
        return form_page(TEMPLATE, form)
    reached = CODE_ATTEMPTS.reached()
    if reached is not None:
        form.form_errors.append(submissions.limited(reached))
        return form_page(TEMPLATE, form, status=submissions.LIMITED_STATUS)
    CODE_ATTEMPTS.count()
    try:
        opened = service.open_case(db_session(), form.code.data or "", current_config())
    except CodeNotFound:
        form.code.errors = [_("We found no report with that code. Check it and try again.")]
        return form_page(TEMPLATE, form, status=401)
    start_case_session(opened)
    sent = _send(form, opened.report_id, opened.report_key, lambda status: show_case(status, reply_form=form))
    return to_case(opened) if isinstance(sent, Response) else sent
