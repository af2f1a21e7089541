"""A new recovery key (issue 17, item 14): the set-up wizard shows the key once, so an admin who
did not store it, or lost the paper, makes a new one here with the organisation key their session
holds. The old key stops opening the database from that moment (a copy made before still opens
with it: then rotate, ``keys rotate``)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from ... import audit, organisations
from ...audit import Event
from ...db import db_session
from ...pages import Page
from .. import bp
from ..auth import admin_required, current_user, org_key
from ..forms import ActionForm
from .views import organisation_id

# The new key, kept only until its page has been drawn once: in the encrypted server-side session.
NEW_KEY = "admin_new_recovery_key"
SHOWN_ENDPOINT = "moderation.new_recovery_key"


@bp.before_request
def forget_new_recovery_key() -> None:
    if NEW_KEY in session and request.endpoint != SHOWN_ENDPOINT:
        session.pop(NEW_KEY)


@bp.route("/recovery-key", methods=["GET", "POST"])
@admin_required
def recovery_key() -> Page:
    form = ActionForm()
    key = org_key()
    if key is not None and form.validate_on_submit():
        db = db_session()
        organisation = organisations.get(db, organisation_id())
        session[NEW_KEY] = organisations.new_recovery_key(organisation, key)
        audit.record(
            db, Event.RECOVERY_KEY_REPLACED, current_user(), audit.organisation_subject(organisation.slug)
        )
        return redirect(url_for(SHOWN_ENDPOINT), code=303)
    status = 400 if form.is_submitted() else 200
    return render_template("moderation/recovery_key.html", has_key=key is not None), status


@bp.get("/recovery-key/new")
@admin_required
def new_recovery_key() -> Page:
    shown = session.pop(NEW_KEY, None)  # drawn once: a reload shows it no more
    if not shown:
        flash(_("The recovery key is shown only once. Make a new one if it was not stored."), "error")
        return redirect(url_for("moderation.recovery_key"), code=303)
    return render_template("moderation/recovery_key_new.html", recovery_key=shown)
