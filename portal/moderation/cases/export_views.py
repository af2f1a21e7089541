"""Routes of a case's masks and exports (issue 15 part 3). Refusals show the case page again with
the form in its slot and one sentence; an export answers with the file, never stored."""

from __future__ import annotations

from flask import Response as FlaskResponse
from flask import abort, flash, redirect, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from ...cases.export import redaction
from ...db import db_session
from ...pages import Page
from .. import bp
from ..auth import current_user, keyring
from . import exporting, masking
from . import service as cases
from .export_forms import ExportForm, FileMasksForm, MaskForm, RemoveMaskForm
from .views import _case_page


def _back(report_id: int, done: str) -> Page:
    flash(done, "info")
    return redirect(url_for("moderation.case", report_id=report_id, _anchor="export-heading"), code=303)


@bp.post("/cases/<int:report_id>/masks")
def add_mask(report_id: int) -> Page:
    form = MaskForm()
    if not form.validate_on_submit():
        return _case_page(report_id, 400, mask_form=form)
    try:
        masking.add(
            db_session(),
            report_id,
            keyring(),
            current_user(),
            form.target.data or "",
            form.passage.data or "",
            form.occurrence.data,
        )
    except cases.CaseNotFound:
        abort(404)
    except cases.NoOrgKey:
        abort(403)
    except masking.UnknownTarget:
        form.target.errors = [_("Choose the report or one of its messages from the list.")]
        return _case_page(report_id, 400, mask_form=form)
    except redaction.PassageNotFound:
        form.passage.errors = [
            _("That passage is not in the text you chose. Copy it exactly as it is written there.")
        ]
        return _case_page(report_id, 400, mask_form=form)
    except redaction.NoSuchOccurrence as refused:
        form.occurrence.errors = [
            _(
                "The passage occurs %(count)d times in that text: choose a number from 1 to %(count)d.",
                count=refused.count,
            )
        ]
        return _case_page(report_id, 400, mask_form=form)
    return _back(report_id, _("The passage is masked in exports."))


@bp.post("/cases/<int:report_id>/masks/<int:mask_id>/remove")
def remove_mask(report_id: int, mask_id: int) -> Page:
    if not RemoveMaskForm().validate_on_submit():
        return _case_page(report_id, 400)
    try:
        masking.remove(db_session(), report_id, keyring(), current_user(), mask_id)
    except cases.CaseNotFound:
        abort(404)
    except cases.NoOrgKey:
        abort(403)
    return _back(report_id, _("The mask has been removed."))


@bp.post("/cases/<int:report_id>/masks/files")
def mask_files(report_id: int) -> Page:
    form = FileMasksForm()
    if not form.validate_on_submit():
        return _case_page(report_id, 400, file_masks_form=form)
    try:
        masking.set_files(db_session(), report_id, keyring(), current_user(), set(form.files.data or []))
    except cases.CaseNotFound:
        abort(404)
    except cases.NoOrgKey:
        abort(403)
    return _back(report_id, _("The masked files have been saved."))


@bp.post("/cases/<int:report_id>/export")
def export_case(report_id: int) -> Page:
    form = ExportForm()
    if not form.validate_on_submit():
        return _case_page(report_id, 400, export_form=form)
    try:
        made = exporting.export(
            db_session(),
            report_id,
            keyring(),
            current_user(),
            form.format.data or "pdf",
            form.registration.data or "",
            bool(form.include_notes.data),
            getattr(get_locale(), "language", "sv"),
        )
    except cases.CaseNotFound:
        abort(404)
    except cases.NoOrgKey:
        abort(403)
    response = FlaskResponse(made.content, mimetype=made.media_type)
    response.headers.set("Content-Disposition", "attachment", filename=made.filename)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
