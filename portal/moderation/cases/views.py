"""Routes of /moderation/cases: the queue, the case page and its actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response as FlaskResponse
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ...cases import erasure
from ...cases.clocks import urgency
from ...db import db_session, keep_writes
from ...domain import TIMEZONE, Area, Category, Kind, Outcome, Status, label, status_name, today
from ...ids import parse_id
from ...models import ReplyTemplate
from ...pages import Page, form_page
from .. import bp
from ..auth import admin_required, current_user, org_key
from . import queue
from . import service as cases
from .forms import (
    AssignForm,
    ClassifyForm,
    EraseForm,
    LabelsForm,
    MeetingForm,
    MessageForm,
    NoteForm,
    StatusForm,
)


def _int(value: str | None) -> int | None:
    return parse_id(value)


def _enum(enum_type: Any, value: str | None) -> Any:
    try:
        return enum_type(value) if value else None
    except ValueError:
        return None


def queue_filter() -> queue.QueueFilter:
    args = request.args
    due = args.get("due")
    return queue.QueueFilter(
        status=_enum(Status, args.get("status")),
        kind=_enum(Kind, args.get("kind")),
        category=_enum(Category, args.get("category")),
        area=_enum(Area, args.get("area")),
        label_id=_int(args.get("label")),
        assignee_id=_int(args.get("assignee")),
        due=due if due in queue.DUE_FILTERS else None,
        awaiting=args.get("awaiting") == "1",
        sort=args.get("sort", "due"),
        after=args.get("after"),
    )


@bp.get("/cases")
def queue_page() -> str:
    db = db_session()
    result = queue.page(db, queue_filter(), today())
    next_args = {**request.args.to_dict(), "after": result.next_cursor} if result.next_cursor else None
    return render_template(
        "moderation/queue.html",
        page=result,
        next_args=next_args,
        args=request.args,
        today=today(),
        urgency=urgency,
        options={
            "status": [(s.value, status_name(s)) for s in Status],
            "kind": [(k.value, label(k)) for k in Kind],
            "category": [(c.value, label(c)) for c in Category],
            "area": [(a.value, label(a)) for a in Area],
            "label": [(str(x.id), x.name) for x in cases.all_labels(db)],
            "assignee": [(str(u.id), u.username) for u in cases.moderators(db)],
        },
    )


def _case_page(report_id: int, status: int = 200, **forms: Any) -> tuple[str, int]:
    db = db_session()
    try:
        case = cases.open_file(db, report_id, org_key(), current_user())
    except cases.CaseNotFound:
        abort(404)
    except cases.NoOrgKey:
        abort(403)
    if status >= 400:
        # Shown again beside a refused form: the case was decrypted and read, so its
        # case:report:viewed event stands. The refused change wrote nothing (the service raises
        # StaleCase, OutcomeRequired… before it changes anything).
        keep_writes()
    report = case.report
    template_id = _int(request.args.get("template"))
    chosen = db.get(ReplyTemplate, template_id) if template_id else None
    message_form = forms.get("message_form") or MessageForm(
        formdata=None, message=chosen.body if chosen else None
    )
    version = {"version": report.version}
    context = {
        "message_form": message_form,
        "note_form": forms.get("note_form") or NoteForm(formdata=None),
        "status_form": forms.get("status_form")
        or StatusForm(
            formdata=None,
            status=report.status.value,
            outcome=report.outcome.value if report.outcome else "",
            **version,
        ),
        "assign_form": _assign_form(forms.get("assign_form"), report.assignee_id, report.version),
        "labels_form": forms.get("labels_form")
        or LabelsForm(formdata=None, labels=", ".join(label.name for label in report.labels), **version),
        "classify_form": forms.get("classify_form")
        or ClassifyForm(
            formdata=None,
            kind=report.kind.value,
            category=report.category.value if report.category else "",
            area=report.area.value if report.area else "",
            **version,
        ),
        "meeting_form": MeetingForm(formdata=None, **version),
        "templates": db.query(ReplyTemplate).order_by(ReplyTemplate.language, ReplyTemplate.title).all(),
    }
    return render_template(
        "moderation/case.html",
        case=case,
        report=report,
        today=today(),
        urgency=urgency,
        tz=TIMEZONE,
        **context,
    ), status


def _assign_form(form: AssignForm | None, assignee_id: int | None, version: int) -> AssignForm:
    form = form or AssignForm(formdata=None, assignee=str(assignee_id or ""), version=version)
    form.assignee.choices = [("", _("Nobody"))] + [
        (str(u.id), u.username) for u in cases.moderators(db_session())
    ]
    return form


@bp.get("/cases/<int:report_id>")
def case(report_id: int) -> Page:
    return _case_page(report_id)


def _act(report_id: int, form: Any, form_name: str, action: Callable[[], None], done: str) -> Page:
    """Validate ``form`` and run one change; on bad input, a stale version or a refused value,
    show the case page again (``form_name`` is the form's slot on it) with the reason."""
    if not form.validate_on_submit():
        return _case_page(report_id, 400, **{form_name: form})
    try:
        action()
    except cases.CaseNotFound:
        abort(404)
    except cases.NoOrgKey:
        abort(403)
    except cases.StaleCase:
        flash(
            _(
                "Someone else changed this case while you were looking at it. Check their change and try again."
            ),
            "error",
        )
        return _case_page(report_id, 409)
    except cases.OutcomeRequired:
        form.outcome.errors = [_("Choose an outcome when you close a case.")]
        return _case_page(report_id, 400, **{form_name: form})
    flash(done, "info")
    return redirect(url_for("moderation.case", report_id=report_id), code=303)


@bp.post("/cases/<int:report_id>/message")
def send_message(report_id: int) -> Page:
    form = MessageForm()
    return _act(
        report_id,
        form,
        "message_form",
        lambda: cases.send_message(
            db_session(),
            report_id,
            org_key(),
            current_user(),
            form.message.data or "",
            bool(form.feedback.data),
        ),
        _("Your message has been sent to the reporter."),
    )


@bp.post("/cases/<int:report_id>/note")
def add_note(report_id: int) -> Page:
    form = NoteForm()
    return _act(
        report_id,
        form,
        "note_form",
        lambda: cases.add_note(db_session(), report_id, org_key(), current_user(), form.note.data or ""),
        _("The note has been saved."),
    )


@bp.post("/cases/<int:report_id>/status")
def change_status(report_id: int) -> Page:
    form = StatusForm()
    return _act(
        report_id,
        form,
        "status_form",
        lambda: cases.change_status(
            db_session(),
            report_id,
            current_user(),
            form.seen_version(),
            Status(form.status.data),
            _enum(Outcome, form.outcome.data),
        ),
        _("The status has been changed."),
    )


@bp.post("/cases/<int:report_id>/assign")
def assign(report_id: int) -> Page:
    form = _assign_form(AssignForm(), None, 0)
    return _act(
        report_id,
        form,
        "assign_form",
        lambda: cases.assign(
            db_session(), report_id, current_user(), form.seen_version(), _int(form.assignee.data)
        ),
        _("The assignment has been changed."),
    )


@bp.post("/cases/<int:report_id>/labels")
def set_labels(report_id: int) -> Page:
    form = LabelsForm()
    return _act(
        report_id,
        form,
        "labels_form",
        lambda: cases.set_labels(
            db_session(), report_id, current_user(), form.seen_version(), (form.labels.data or "").split(",")
        ),
        _("The labels have been saved."),
    )


@bp.post("/cases/<int:report_id>/classify")
def reclassify(report_id: int) -> Page:
    form = ClassifyForm()
    return _act(
        report_id,
        form,
        "classify_form",
        lambda: cases.reclassify(
            db_session(),
            report_id,
            current_user(),
            form.seen_version(),
            Kind(form.kind.data),
            _enum(Category, form.category.data),
            _enum(Area, form.area.data),
        ),
        _("The classification has been changed."),
    )


@bp.post("/cases/<int:report_id>/meeting")
def meeting_offered(report_id: int) -> Page:
    form = MeetingForm()
    return _act(
        report_id,
        form,
        "meeting_form",
        lambda: cases.record_meeting_offered(db_session(), report_id, current_user(), form.seen_version()),
        _("Recorded that a meeting was offered."),
    )


@bp.get("/cases/<int:report_id>/files/<int:file_id>")
def download(report_id: int, file_id: int) -> FlaskResponse:
    try:
        info, content = cases.download(db_session(), report_id, file_id, org_key(), current_user())
    except cases.CaseNotFound:
        abort(404)
    except cases.NoOrgKey:
        abort(403)
    inline = info.is_image and request.args.get("inline") == "1"
    response = FlaskResponse(content, mimetype=info.media_type)
    response.headers.set("Content-Disposition", "inline" if inline else "attachment", filename=info.filename)
    # A file from outside must never run as a page of the portal.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.route("/cases/<int:report_id>/erase", methods=["GET", "POST"])
@admin_required
def erase(report_id: int) -> Page:
    db = db_session()
    try:
        cases.get(db, report_id)
    except cases.CaseNotFound:
        abort(404)
    form = EraseForm()
    if form.validate_on_submit():
        if form.confirm_number.data != report_id:
            form.confirm_number.errors = [_("That is not this case's number.")]
        else:
            erasure.erase(db, report_id, current_user())
            flash(_("Case %(n)d has been erased.", n=report_id), "info")
            return redirect(url_for("moderation.queue_page"), code=303)
    return form_page("moderation/erase.html", form, report_id=report_id)
