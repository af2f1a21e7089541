"""Routes of /report and /followup. No identifiers in URLs: a session reaches only its own case."""

from __future__ import annotations

import base64
from typing import Any, cast

from flask import abort, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from ..cases import uploads
from ..db import db_session, keep_writes
from ..domain import Area, Category, ExertedBy, Kind, Support, When
from ..errors import render_error
from ..installation import current_config
from ..pages import Page, form_page
from ..security.ratelimit import configured, failure_ceiling, limiter
from ..security.sessions import ServerSideSession, set_idle
from . import bp, service
from .forms import CodeForm, FilesForm, ReplyForm, ReportForm, StoredForm
from .messages import upload_error

RECEIPT = "receipt_code"
RECEIPT_REPLACED = "receipt_replaced"
RECEIPT_FILES = "receipt_files"
REPORT_ID = "report_id"
REPORT_KEY = "report_key"
NEWS = "news"


def _uploads(files: list[Any]) -> list[service.Upload]:
    # A text part named like the file field arrives as a string among the files: not an upload.
    return [
        service.Upload(f.filename or "", f.read()) for f in files if isinstance(f, FileStorage) and f.filename
    ]


def _enum(enum_type: Any, value: str | None) -> Any:
    return enum_type(value) if value else None


def _unavailable() -> tuple[str, int]:
    return render_error(503, _("Reports cannot be received yet: the portal has not been set up."))


@bp.route("/report", methods=["GET", "POST"])
@limiter.limit(configured("limit_report_submit"), methods=["POST"])
def report() -> Page:
    form = ReportForm()
    if form.validate_on_submit():
        submission = service.Submission(
            kind=Kind(form.kind.data),
            category=_enum(Category, form.category.data),
            area=_enum(Area, form.area.data),
            happened=_enum(When, form.happened.data),
            exerted_by=_enum(ExertedBy, form.exerted_by.data),
            to_incident_system=bool(form.to_incident_system.data),
            to_police=bool(form.to_police.data),
            support=_enum(Support, form.support.data),
            wants_acknowledgement=not form.no_acknowledgement.data,
            description=form.description.data or "",
            files=_uploads(form.attachments.data or []),
        )
        try:
            sent = service.submit(db_session(), submission, current_config())
        except uploads.UploadRefused as refused:
            form.attachments.errors = [upload_error(refused)]
        except service.ReportingUnavailable:
            return _unavailable()
        else:
            _show_receipt(sent.code, replaced=False)
            # Only names and what was removed, in the encrypted session, until the code is stored.
            session[RECEIPT_FILES] = [
                {"name": f.filename, "removed": [r.value for r in f.removed or ()]} for f in sent.files
            ]
            return redirect(url_for("reporting.receipt"), code=303)
    return form_page("reporting/report.html", form)


def _show_receipt(code: str, replaced: bool) -> None:
    """Keep the code in the (encrypted) session only until the reporter confirms they have it."""
    session[RECEIPT] = code
    session[RECEIPT_REPLACED] = replaced


@bp.route("/report/receipt", methods=["GET", "POST"])
def receipt() -> Page:
    code = session.get(RECEIPT)
    if not code:
        return redirect(url_for("public.index"))
    form = StoredForm()
    if form.validate_on_submit():
        session.pop(RECEIPT)
        session.pop(RECEIPT_FILES, None)
        replaced = session.pop(RECEIPT_REPLACED, False)
        if replaced:
            flash(_("Your new code is active. The old code no longer works."), "info")
            return redirect(url_for("reporting.case"), code=303)
        flash(_("Thank you. Your report has been sent. Come back with your code to read the answer."), "info")
        return redirect(url_for("reporting.followup"), code=303)
    files = [
        {"name": f["name"], "removed": [uploads.Removal(r) for r in f["removed"]]}
        for f in session.get(RECEIPT_FILES, [])
    ]
    return form_page(
        "reporting/receipt.html", form, code=code, replaced=session.get(RECEIPT_REPLACED), files=files
    )


@bp.get("/report/receipt/print")
def receipt_print() -> Page:
    code = session.get(RECEIPT)
    if not code:
        return redirect(url_for("public.index"))
    return render_template("reporting/receipt_print.html", code=code)


@bp.route("/followup", methods=["GET", "POST"])
@limiter.limit(configured("limit_code_login"), methods=["POST"])
@failure_ceiling()
def followup() -> Page:
    form = CodeForm()
    if form.validate_on_submit():
        try:
            opened = service.open_case(db_session(), form.code.data or "", current_config())
        except service.CodeNotFound:
            form.code.errors = [_("We found no report with that code. Check it and try again.")]
            return form_page("reporting/followup.html", form, status=401)
        _start_reporter_session(opened)
        return redirect(url_for("reporting.case"), code=303)
    return form_page("reporting/followup.html", form)


def _start_reporter_session(opened: service.Opened) -> None:
    current = cast(ServerSideSession, session)
    current.clear()
    current.rotate()
    current[REPORT_ID] = opened.report_id
    current[REPORT_KEY] = base64.b64encode(opened.report_key).decode()
    current[NEWS] = {
        "new_messages": opened.news.new_messages,
        "status_changed": opened.news.status_changed,
        "previous_visit": opened.news.previous_visit.isoformat() if opened.news.previous_visit else None,
    }
    set_idle(current, current_config().reporter_idle_seconds)


def _case_keys() -> tuple[int, bytes]:
    report_id, key = session.get(REPORT_ID), session.get(REPORT_KEY)
    if not report_id or not key:
        abort(403)
    return int(report_id), base64.b64decode(key)


def _case_page(status: int = 200, **forms: Any) -> tuple[str, int]:
    report_id, key = _case_keys()
    try:
        case = service.view(db_session(), report_id, key)
    except service.CodeNotFound:
        cast(ServerSideSession, session).destroy()
        abort(404)
    if status >= 400:
        # Shown again beside a refused reply: the dialogue on it was read and stays marked as
        # read. The refused reply wrote nothing (its files are checked before anything is added).
        keep_writes()
    context = {"reply_form": ReplyForm(formdata=None), "files_form": FilesForm(formdata=None), **forms}
    news = session.pop(NEWS, None)
    return render_template("reporting/case.html", case=case, news=news, **context), status


@bp.get("/followup/case")
def case() -> Page:
    if not session.get(REPORT_ID):
        return redirect(url_for("reporting.followup"))
    return _case_page()


@bp.post("/followup/reply")
@limiter.limit(configured("limit_reporter_reply"))
def reply() -> Page:
    report_id, key = _case_keys()
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            service.reply(
                db_session(), report_id, key, form.message.data or "", _uploads(form.attachments.data or [])
            )
        except uploads.UploadRefused as refused:
            form.attachments.errors = [upload_error(refused)]
        else:
            flash(_("Your message has been sent."), "info")
            return redirect(url_for("reporting.case"), code=303)
    return _case_page(400, reply_form=form)


@bp.post("/followup/files")
@limiter.limit(configured("limit_reporter_reply"))
def add_files() -> Page:
    report_id, key = _case_keys()
    form = FilesForm()
    files = _uploads(form.attachments.data or []) if form.validate_on_submit() else []
    if files:
        try:
            service.add_files(db_session(), report_id, key, files)
        except uploads.UploadRefused as refused:
            form.attachments.errors = [upload_error(refused)]
        else:
            flash(_("Your files have been added."), "info")
            return redirect(url_for("reporting.case"), code=303)
    elif not form.attachments.errors:
        form.attachments.errors = [_("Choose at least one file.")]
    return _case_page(400, files_form=form)


@bp.post("/followup/meeting")
def meeting() -> Page:
    report_id, _key = _case_keys()
    service.request_meeting(db_session(), report_id)
    flash(_("Your request for a meeting has been sent. A moderator will suggest a time here."), "info")
    return redirect(url_for("reporting.case"), code=303)


@bp.post("/followup/code")
def replace_code() -> Page:
    report_id, key = _case_keys()
    code = service.replace_code(db_session(), report_id, key, current_config())
    _show_receipt(code, replaced=True)
    return redirect(url_for("reporting.receipt"), code=303)


@bp.post("/followup/logout")
def logout() -> Response:
    cast(ServerSideSession, session).destroy()
    flash(_("You are logged out. Close the window if you are on a shared device."), "info")
    return redirect(url_for("public.index"), code=303)
