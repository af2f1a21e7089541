"""Routes of /report and /followup. No identifiers in URLs: a session reaches only its own case."""

from __future__ import annotations

import base64
from typing import Any, cast

from flask import abort, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from .. import organisations, reporter_address, submissions
from ..cases import uploads
from ..cases.vault import FileInfo
from ..db import db_session, keep_writes
from ..errors import render_error
from ..installation import current_config
from ..pages import Page, code_log_in, form_page
from ..security import failed_codes
from ..security.codes import CodeNotFound
from ..security.csrf import shows_form_again
from ..security.form_limits import Budget, FormLimit
from ..security.ratelimit import client_key, configured, limiter
from ..security.sessions import ServerSideSession, ShownOnce, set_idle
from ..upload_spool import uploads_of
from . import bp, service
from .forms import CodeForm, ReplaceCodeForm, ReplyForm, ReportForm, StoredForm
from .messages import upload_error

RECEIPT = ShownOnce("receipt")
# Counted once a report was received, not per POST: a refused form costs the reporter nothing,
# and the one over the limit comes back with its text (security/form_limits.py).
REPORTS = FormLimit(
    "report-received",
    Budget("limit_report_submit", reporter_address.limit_key),
    Budget("limit_report_submit_installation", client_key),
)
REPORT_ID = "report_id"
REPORT_KEY = "report_key"
NEWS = "news"


def _unavailable() -> tuple[str, int]:
    return render_error(503, _("Reports cannot be received yet: the portal has not been set up."))


@reporter_address.route(bp, "/report", methods=["GET", "POST"])
@shows_form_again
def report() -> Page:
    if reporter_address.choosing():
        return reporter_address.chooser("reporting.report")
    organisation = reporter_address.addressed()
    if organisation is not None and not organisation.takes_reports:
        return _unavailable()
    form = ReportForm()
    if form.validate_on_submit():
        submission = service.Submission.from_form(form.data, files=uploads_of(form.attachments.data or []))
        try:
            submissions.admit(REPORTS, submissions.REPORT_RECEIVED)
            db = db_session()
            # Without an address: the installation's only organisation, made on first use as before.
            receiver = organisation or organisations.only(db)
            sent = service.submit(db, receiver.id, submission, current_config())
        except submissions.Refused as refused:
            form.form_errors.append(refused.sentence)
            return form_page("reporting/report.html", form, status=refused.status)
        except uploads.UploadRefused as refused:
            form.attachments.errors = [upload_error(refused)]
        except service.ReportingUnavailable:
            return _unavailable()
        else:
            REPORTS.count()
            files = _what_arrived(sent.files)
            RECEIPT.keep(sent.code, replaced=False, files=files, organisation_id=receiver.id)
            return redirect(url_for("reporting.receipt"), code=303)
    return form_page("reporting/report.html", form)


def _what_arrived(files: list[FileInfo]) -> list[dict[str, Any]]:
    """What the receipt confirms of each file (issue 17 item 6): its stored name, its size and
    what cleaning removed. Kept only in the encrypted session, beside the code and as long as it
    (``RECEIPT``): nothing about the files is stored for the receipt, in plain text or otherwise."""
    return [
        {"name": f.filename, "size": f.size, "removed": [r.value for r in f.removed or ()]} for f in files
    ]


@reporter_address.route(bp, "/report/receipt", methods=["GET", "POST"])
def receipt() -> Page:
    shown = RECEIPT.shown()
    if not shown:
        return redirect(url_for("public.index"))
    _speak_for_receipt(shown)
    form = StoredForm()
    if form.validate_on_submit():
        RECEIPT.forget()
        if shown["replaced"]:
            flash(_("Your new code is active. The old code no longer works."), "info")
            return redirect(url_for("reporting.case"), code=303)
        flash(_("Thank you. Your report has been sent. Come back with your code to read the answer."), "info")
        return redirect(url_for("reporting.followup"), code=303)
    files = [
        {"name": f["name"], "size": f.get("size"), "removed": [uploads.Removal(r) for r in f["removed"]]}
        for f in shown["files"]  # "size" is absent in a receipt kept before the upgrade
    ]
    return form_page(
        "reporting/receipt.html", form, code=shown["code"], replaced=shown["replaced"], files=files
    )


@reporter_address.route(bp, "/report/receipt/print", methods=["GET"])
def receipt_print() -> Page:
    shown = RECEIPT.shown()
    if not shown:
        return redirect(url_for("public.index"))
    _speak_for_receipt(shown)
    return render_template("reporting/receipt_print.html", code=shown["code"])


@reporter_address.route(bp, "/followup", methods=["GET", "POST"])
@shows_form_again
@limiter.limit(configured("limit_code_login"), methods=["POST"])
@failed_codes.counted
def followup() -> Page:
    return code_log_in(
        CodeForm(),
        "reporting/followup.html",
        lambda code: service.open_case(db_session(), code, current_config()),
        _enter_case,
        not_found=_("We found no report with that code. Check it and try again."),
    )


def _enter_case(opened: service.Opened) -> Response:
    start_case_session(opened)
    return to_case(opened)


def start_case_session(opened: service.Opened) -> None:
    """The reporter is back with their code: a new session holding their case's key."""
    current = cast(ServerSideSession, session)
    current.start_over()
    current[REPORT_ID] = opened.report_id
    current[REPORT_KEY] = base64.b64encode(opened.report_key).decode()
    current[NEWS] = {
        "new_messages": opened.news.new_messages,
        "status_changed": opened.news.status_changed,
        "previous_visit": opened.news.previous_visit.isoformat() if opened.news.previous_visit else None,
    }
    set_idle(current, current_config().reporter_idle_seconds)


def to_case(opened: service.Opened) -> Response:
    # The case's own address: a code typed at another organisation's page opens its own case,
    # which speaks in its own organisation's words (the session keeps only the report id).
    if not _addressed_or_several():
        return redirect(url_for("reporting.case"), code=303)
    own = organisations.get(db_session(), opened.organisation_id)
    return redirect(url_for("reporting.case", slug=own.slug), code=303)


def _speak_for_receipt(shown: dict[str, Any]) -> None:
    # The receipt names the organisation the report went to, at whatever address it is read; the
    # id lives in the encrypted session only as long as the code it belongs to.
    organisation_id = shown.get("organisation_id")  # absent in a receipt kept before the upgrade
    if organisation_id is not None and _addressed_or_several():
        reporter_address.speak_for(organisations.get(db_session(), int(organisation_id)))


def _addressed_or_several() -> bool:
    return reporter_address.addressed() is not None or reporter_address.several()


def _speak_for_case(report_id: int) -> None:
    own = service.organisation_of(db_session(), report_id)
    if _addressed_or_several():
        reporter_address.speak_for(own)


def case_keys() -> tuple[int, bytes]:
    """The session's own case: its number and report key (403 without a log-in with a code)."""
    report_id, key = session.get(REPORT_ID), session.get(REPORT_KEY)
    if not report_id or not key:
        abort(403)
    return int(report_id), base64.b64decode(key)


def show_case(status: int = 200, **forms: Any) -> tuple[str, int]:
    """The case page, with a refused form in its slot (shared with answer_views.py)."""
    report_id, key = case_keys()
    _speak_for_case(report_id)
    try:
        case = service.view(db_session(), report_id, key)
    except CodeNotFound:
        cast(ServerSideSession, session).destroy()
        abort(404)
    if status >= 400:
        # Shown again beside a refused reply: the dialogue on it was read and stays marked as
        # read. The refused reply wrote nothing (its files are checked before anything is added).
        keep_writes()
    context = {
        "reply_form": ReplyForm(formdata=None),
        "code_form": ReplaceCodeForm(formdata=None),
        # A refused answer to minutes or a meeting offer (answer_views.py), shown at its entry.
        "approve_form": None,
        "correction_form": None,
        "meeting_answer_form": None,
        **forms,
    }
    news = session.pop(NEWS, None)
    return render_template("reporting/case.html", case=case, news=news, **context), status


@reporter_address.route(bp, "/followup/case", methods=["GET"])
def case() -> Page:
    if not session.get(REPORT_ID):
        return redirect(url_for("reporting.followup"))
    return show_case()


@reporter_address.route(bp, "/followup/meeting", methods=["POST"])
def meeting() -> Page:
    report_id, _key = case_keys()
    service.request_meeting(db_session(), report_id)
    flash(_("Your request for a meeting has been sent. A moderator will suggest a time here."), "info")
    return redirect(url_for("reporting.case"), code=303)


@reporter_address.route(bp, "/followup/code", methods=["POST"])
def replace_code() -> Page:
    report_id, key = case_keys()
    form = ReplaceCodeForm()
    if not form.validate_on_submit():
        return show_case(400, code_form=form)  # not confirmed: the old code stays as it was
    code = service.replace_code(db_session(), report_id, key, current_config())
    own = service.organisation_of(db_session(), report_id)
    RECEIPT.keep(code, replaced=True, files=[], organisation_id=own.id)
    return redirect(url_for("reporting.receipt"), code=303)


@reporter_address.route(bp, "/followup/logout", methods=["POST"])
def logout() -> Response:
    cast(ServerSideSession, session).destroy()
    flash(_("You are logged out. Close the window if you are on a shared device."), "info")
    return redirect(url_for("public.index"), code=303)
