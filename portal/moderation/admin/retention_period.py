"""The admins' page for their organisation's retention period (issue 14): how many days after
closing its cases are erased by ``flask purge-expired`` (portal/retention.py).

The period is the organisation's to decide (its archive rules, its register of processing), so
its admins own it, not the installation's operator. The change is recorded in its audit log.
"""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _

from ... import organisations, retention
from ...db import db_session
from ...installation import current_config
from ...pages import Page, form_page
from ...security.csrf import shows_form_again
from .. import bp
from ..auth import admin_required, current_user
from .forms import RetentionForm


@bp.route("/retention", methods=["GET", "POST"])
@admin_required
@shows_form_again
def retention_period() -> Page:
    user = current_user()
    if user.organisation_id is None:
        abort(403)
    db = db_session()
    organisation = organisations.get(db, user.organisation_id)
    default_days = current_config().retention_days
    form = RetentionForm(days=organisation.retention_days)
    if form.validate_on_submit():
        retention.set_period(db, organisation, form.days.data, user)
        flash(_("The retention period has been saved."), "info")
        return redirect(url_for("moderation.retention_period"), code=303)
    return form_page(
        "moderation/retention.html",
        form,
        default_days=default_days,
        days=retention.period(organisation, default_days),
    )
