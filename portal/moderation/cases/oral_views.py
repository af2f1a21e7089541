"""Routes of oral reporting (issue 15, part 1): record a report given by phone or in a meeting,
print the reporter's code once, add minutes, offer a meeting."""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ... import organisations, reporter_address
from ...cases import intake, uploads
from ...db import db_session
from ...domain import today
from ...installation import current_config
from ...pages import Page, form_page
from ...security.sessions import ShownOnce
from ...upload_messages import upload_error
from ...upload_spool import uploads_of
from .. import bp
from ..auth import current_user, keyring
from . import oral
from .oral_forms import MeetingOfferForm, MinutesForm, OralReportForm
from .views import CASE_ACTIONS, FIELD_REFUSALS, CaseAction, case_action

# The new code, in the moderator's encrypted session from the save until the code page has been
# drawn once: a reload, or the back button, does not show it again (DESIGN.md §3, shown once).
ORAL_CODE = ShownOnce("oral_code")


@bp.route("/cases/oral", methods=["GET", "POST"])
def record_oral() -> Page:
    form = OralReportForm()
    if form.validate_on_submit():
        submission = intake.Submission.from_form(form.data, files=uploads_of(form.attachments.data or []))
        try:
            sent = oral.record_report(db_session(), current_user(), submission, current_config())
        except uploads.UploadRefused as refused:
            form.attachments.errors = [upload_error(refused)]
        except intake.ReportingUnavailable:
            form.description.errors = [
                _("The organisation has no key yet: an administrator must enrol first.")
            ]
        else:
            ORAL_CODE.keep(sent.code, report_id=sent.report.id)
            return redirect(url_for("moderation.oral_code"), code=303)
    return form_page("moderation/oral_report.html", form)


@bp.get("/cases/oral/code")
def oral_code() -> Page:
    shown = ORAL_CODE.shown()
    if not shown:
        flash(_("A reporter's code is shown only once, and this one has been shown already."), "error")
        return redirect(url_for("moderation.queue_page"))
    ORAL_CODE.forget()
    organisation = organisations.get(db_session(), current_user().organisation_id or 0)
    several = reporter_address.several()
    address = url_for(
        "reporting.followup", _external=True, **({"slug": organisation.slug} if several else {})
    )
    page = render_template(
        "moderation/oral_code.html",
        code=shown["code"],
        report_id=shown["report_id"],
        organisation=organisation,
        address=address,
        received_on=today(),
    )
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"  # every page is; this one above all
    return response


def _add(path: str, action: CaseAction) -> None:
    """A case-page action of its own module: validated, refused and redirected like the others."""
    CASE_ACTIONS[path] = action
    bp.add_url_rule(
        f"/cases/<int:report_id>/{path}",
        action.endpoint,
        case_action,
        methods=["POST"],
        defaults={"path": path},
    )


_add(
    "minutes",
    CaseAction(
        "add_minutes",
        MinutesForm,
        lambda db, n, user, form: oral.add_minutes(db, n, keyring(), user, form.minutes.data),
        _l("The minutes have been added. The reporter can read and approve them with their code."),
    ),
)
_add(
    "offer",
    CaseAction(
        "offer_meeting",
        MeetingOfferForm,
        lambda db, n, user, form: oral.offer_meeting(
            db, n, keyring(), user, form.meeting_at(), form.place.data or ""
        ),
        _l("The meeting has been offered. The reporter accepts or declines it on their page."),
    ),
)
FIELD_REFUSALS[oral.MeetingInThePast] = ("date", _l("That day has passed. Choose today or a later day."))
