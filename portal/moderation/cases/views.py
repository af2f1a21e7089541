"""Routes of /moderation/cases: the queue, the case page and its actions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ...cases import access, erasure
from ...cases.clocks import urgency
from ...db import db_session, keep_writes
from ...domain import TIMEZONE, Area, Category, Kind, Status, label, moderator_label, today
from ...forms import parse_enum
from ...ids import parse_id
from ...installation import current_config
from ...models import ReplyTemplate, Report, User
from ...pages import Page, form_page
from ...security.csrf import shows_form_again
from .. import bp
from ..auth import admin_required, current_user, keyring
from . import export_panel, postponing, queue
from . import service as cases
from .forms import (
    AccessForm,
    AssignForm,
    ClassifyForm,
    EraseForm,
    LabelsForm,
    MeetingForm,
    MessageForm,
    NoteForm,
    StatusForm,
)
from .oral_forms import MeetingOfferForm, MinutesForm


def _int(value: str | None) -> int | None:
    return parse_id(value)


def queue_filter() -> queue.QueueFilter:
    args = request.args
    due = args.get("due")
    return queue.QueueFilter(
        status=parse_enum(Status, args.get("status")),
        kind=parse_enum(Kind, args.get("kind")),
        category=parse_enum(Category, args.get("category")),
        area=parse_enum(Area, args.get("area")),
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
            "status": [(s.value, moderator_label(s)) for s in Status],
            "kind": [(k.value, moderator_label(k)) for k in Kind],
            "category": [(c.value, label(c)) for c in Category],
            "area": [(a.value, label(a)) for a in Area],
            "label": [(str(x.id), x.name) for x in cases.all_labels(db)],
            "assignee": [(str(u.id), u.username) for u in cases.moderators(db)],
        },
    )


def _case_page(
    report_id: int, status: int = 200, refusal: str | None = None, **forms: Any
) -> tuple[str, int]:
    """The case page; after a refused action (``status`` >= 400) the refused form in its slot, its
    errors summed up at the top of the page with the case as it is now, or ``refusal`` there."""
    db = db_session()
    try:
        case = cases.open_file(db, report_id, keyring(), current_user())
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
        or StatusForm(formdata=None, status=report.status, outcome=report.outcome, **version),
        "assign_form": _assign_form(forms.get("assign_form"), report.assignee_id, report.version),
        "labels_form": forms.get("labels_form")
        or LabelsForm(formdata=None, labels=", ".join(label.name for label in report.labels), **version),
        "classify_form": forms.get("classify_form")
        or ClassifyForm(
            formdata=None, kind=report.kind, category=report.category, area=report.area, **version
        ),
        "meeting_form": MeetingForm(formdata=None, **version),
        "minutes_form": forms.get("minutes_form") or MinutesForm(formdata=None),
        "offer_form": forms.get("offer_form") or MeetingOfferForm(formdata=None),
        "access": access.of(db, report) if current_user().is_admin else None,
        "access_form": _access_form(forms.get("access_form"), report) if current_user().is_admin else None,
        "templates": db.query(ReplyTemplate).order_by(ReplyTemplate.language, ReplyTemplate.title).all(),
        "retention": postponing.panel(db, report, keyring(), current_user(), forms.get("postpone_form")),
        "export": export_panel.panel(db, case, keyring(), forms),
    }
    return render_template(
        "moderation/case.html",
        refused_form=next((form for form in forms.values() if form is not None and form.errors), None),
        refusal=refusal,
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


@dataclass(frozen=True)
class CaseAction:
    """A change made from the case page, posted to ``/cases/<id>/<path>``."""

    endpoint: str  # ``moderation.<endpoint>``, as the templates name it in url_for
    form: Callable[[], Any]
    # The service call, given the session, the case number, the moderator and the valid form.
    # Changes that overwrite pass form.seen_version(): StaleCase if the case changed meanwhile.
    change: Callable[[Session, int, User, Any], None]
    done: LazyString  # flashed once the change is made
    admin_only: bool = False  # refused (403) to a plain moderator before anything is read


def _new_assign_form() -> AssignForm:
    return _assign_form(AssignForm(), None, 0)  # the choices are today's moderators


def _new_access_form() -> AccessForm:
    return _access_form(AccessForm(), None)  # the choices are today's readers


def _access_form(form: AccessForm | None, report: Report | None) -> AccessForm:
    """The plain moderators who could read the case; admins cannot be excluded (they hold the
    organisation key), so they are not offered."""
    db = db_session()
    if form is None:
        form = AccessForm(
            formdata=None,
            exclude=sorted(access.excluded_ids(db, report.id)) if report is not None else [],
            only_assigned=report.only_assigned if report is not None else False,
            version=report.version if report is not None else 0,
        )
    organisation = current_user().organisation_id
    assert organisation is not None
    form.exclude.choices = [(u.id, u.username) for u in access.readers(db, organisation)]
    return form


# The path after /cases/<id>/ → the action; on the case page each form is ``<path>_form``.
CASE_ACTIONS = {
    "message": CaseAction(
        "send_message",
        MessageForm,
        lambda db, n, user, form: cases.send_message(
            db, n, keyring(), user, form.message.data, bool(form.feedback.data)
        ),
        _l("Your message has been sent to the reporter."),
    ),
    "note": CaseAction(
        "add_note",
        NoteForm,
        lambda db, n, user, form: cases.add_note(db, n, keyring(), user, form.note.data),
        _l("The note has been saved."),
    ),
    "status": CaseAction(
        "change_status",
        StatusForm,
        lambda db, n, user, form: cases.change_status(
            db, n, user, form.seen_version(), form.status.data, form.outcome.data
        ),
        _l("The status has been changed."),
    ),
    "assign": CaseAction(
        "assign",
        _new_assign_form,
        lambda db, n, user, form: cases.assign(
            db, n, keyring(), user, form.seen_version(), _int(form.assignee.data)
        ),
        _l("The assignment has been changed."),
    ),
    "labels": CaseAction(
        "set_labels",
        LabelsForm,
        lambda db, n, user, form: cases.set_labels(
            db, n, user, form.seen_version(), (form.labels.data or "").split(",")
        ),
        _l("The labels have been saved."),
    ),
    "classify": CaseAction(
        "reclassify",
        ClassifyForm,
        lambda db, n, user, form: cases.reclassify(
            db, n, user, form.seen_version(), form.kind.data, form.category.data, form.area.data
        ),
        _l("The classification has been changed."),
    ),
    "access": CaseAction(
        "restrict",
        _new_access_form,
        lambda db, n, user, form: cases.restrict(
            db,
            n,
            keyring(),
            user,
            form.seen_version(),
            form.exclude.data or [],
            bool(form.only_assigned.data),
        ),
        _l("Who may read the case has been changed."),
        admin_only=True,
    ),
    "postpone": CaseAction(
        "postpone",
        postponing.new_form,
        lambda db, n, user, form: postponing.postpone(
            db, n, keyring(), user, form.days.data, form.reason.data, current_config().retention_days
        ),
        _l("The erasure has been postponed."),
        admin_only=True,
    ),
    "meeting": CaseAction(
        "meeting_offered",
        MeetingForm,
        lambda db, n, user, form: cases.record_meeting_offered(db, n, user, form.seen_version()),
        _l("Recorded that a meeting was offered."),
    ),
}

# Refusals that concern one field of the posted form: shown beside that field.
FIELD_REFUSALS: dict[type[Exception], tuple[str, LazyString]] = {
    cases.OutcomeRequired: ("outcome", _l("Choose an outcome when you close a case.")),
    cases.UnknownAssignee: (
        "assignee",
        _l("That moderator does not exist or is no longer active. Choose someone from the list."),
    ),
    cases.AssigneeExcluded: (
        "assignee",
        _l("That moderator is kept out of this case. Choose someone else, or lift the exclusion first."),
    ),
    access.AdminNotExcludable: (
        "exclude",
        _l("Administrators cannot be kept out of a case: they hold the organisation key."),
    ),
    cases.ExcludedAssignee: (
        "exclude",
        _l("The case officer cannot be kept out of the case. Assign the case to someone else first."),
    ),
    postponing.DaysOutOfRange: ("days", _l("Postpone by at least 1 day and at most the retention period.")),
    postponing.TooManyPostponements: (
        "days",
        _l(
            "A case's erasure can be postponed twice at most, and this case's has been postponed twice already."
        ),
    ),
}


@shows_form_again  # an old page's form comes back with its text, or through a new log-in
def case_action(report_id: int, path: str) -> Page:
    """Validate the posted form and make one change; on bad input, a stale version or a refused
    value, show the case page again (the form in its slot) with the reason."""
    action = CASE_ACTIONS[path]
    if action.admin_only and not current_user().is_admin:
        abort(403)
    form = action.form()
    slot = f"{path}_form"
    if not form.validate_on_submit():
        return _case_page(report_id, 400, **{slot: form})
    try:
        action.change(db_session(), report_id, current_user(), form)
    except cases.CaseNotFound:
        abort(404)
    except (cases.NoOrgKey, cases.NotAdmin):
        abort(403)
    except cases.StaleCase:
        stale = _(
            "Someone else changed this case while you were looking at it. Check their change and try again."
        )
        return _case_page(report_id, 409, refusal=stale)
    except tuple(FIELD_REFUSALS) as refused:
        name, message = FIELD_REFUSALS[type(refused)]
        form[name].errors = [str(message)]
        return _case_page(report_id, 400, **{slot: form})
    flash(str(action.done), "info")
    return redirect(url_for("moderation.case", report_id=report_id), code=303)


def _add_case_action_routes() -> None:
    for path, action in CASE_ACTIONS.items():
        bp.add_url_rule(
            f"/cases/<int:report_id>/{path}",
            action.endpoint,
            case_action,
            methods=["POST"],
            defaults={"path": path},
        )


_add_case_action_routes()


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
