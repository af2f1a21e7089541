"""The admins' page for their organisation's texts on the reporter's pages (issue 14, item 3).

The request is scoped to the admin's organisation (portal/scoping.py): the row read and written
is always their own organisation's.
"""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _

from ... import organisation_texts
from ...db import db_session
from ...i18n import LANGUAGE_NAMES
from ...pages import Page, form_page
from ...security.csrf import shows_form_again
from .. import bp
from ..auth import admin_required, current_user
from .forms import LocalTextsForm


@bp.route("/texts", methods=["GET", "POST"], defaults={"language": "sv"})
@bp.route("/texts/<language>", methods=["GET", "POST"])
@admin_required
@shows_form_again
def local_texts(language: str) -> Page:
    if language not in LANGUAGE_NAMES:
        abort(404)
    user = current_user()
    if user.organisation_id is None:
        abort(403)
    db = db_session()
    row = organisation_texts.own(db, user.organisation_id, language)
    form = LocalTextsForm(obj=row)
    if form.validate_on_submit():
        organisation_texts.save(
            db, row, form.intro.data or "", form.contacts.data or "", user, form.secrecy_marking.data or ""
        )
        flash(_("The texts for reporters have been saved."), "info")
        return redirect(url_for("moderation.local_texts", language=language), code=303)
    return form_page("moderation/local_texts.html", form, language=language, names=LANGUAGE_NAMES)
