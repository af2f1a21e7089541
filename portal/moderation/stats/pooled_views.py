"""Routes of /moderation/stats/pooled: the region's pooled figures, and taking part in them."""

from __future__ import annotations

from flask import Response as FlaskResponse
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ... import audit, organisations
from ...audit import Event
from ...db import db_session
from ...installation import current_config
from ...pages import Page
from .. import bp
from ..auth import admin_required, current_user
from ..forms import ActionForm
from . import pooled
from .views import csv_attachment, exported_filter, link_args, range_text, refused


def _own_organisation_takes_part() -> bool:
    organisation_id = current_user().organisation_id
    return organisation_id is not None and organisations.get(db_session(), organisation_id).pooled


@bp.get("/stats/pooled")
def pooled_stats() -> Page:
    # Pooled figures leave the organisation: complete periods only, as in every CSV.
    form, f = exported_filter()
    if f is None:
        return refused(form)
    db = db_session()
    taking_part = _own_organisation_takes_part()
    result = pooled.build(db, f, current_config().stats_threshold) if taking_part else None
    return render_template(
        "moderation/stats_pooled.html",
        form=form,
        result=result,
        taking_part=taking_part,
        participants=[row.name for row in pooled.participants(db)] if taking_part else [],
        minimum=pooled.MIN_ORGANISATIONS,
        summary=range_text(result) if result else "",
        csv_args=link_args(f),
        action_form=ActionForm(),
    )


@bp.get("/stats/pooled.csv")
def pooled_stats_csv() -> Page:
    form, f = exported_filter()
    if f is None:
        return refused(form)
    db = db_session()
    result = pooled.build(db, f, current_config().stats_threshold) if _own_organisation_takes_part() else None
    if result is None:
        abort(404)
    audit.record(db, Event.STATS_POOLED_EXPORTED, current_user(), f.describe())
    return csv_attachment(result, f"pooled_statistics_{f.describe()}.csv")


@bp.post("/stats/pooling")
@admin_required
def pooling() -> FlaskResponse | Response:
    if not ActionForm().validate_on_submit():
        abort(400)
    organisation_id = current_user().organisation_id
    assert organisation_id is not None  # operators never reach /moderation
    db = db_session()
    taking_part = request.form.get("taking_part") == "yes"
    pooled.set_taking_part(db, organisations.get(db, organisation_id), taking_part, current_user())
    flash(
        _("Your organisation now takes part in the pooled statistics.")
        if taking_part
        else _("Your organisation no longer takes part in the pooled statistics."),
        "info",
    )
    return redirect(url_for("moderation.pooled_stats"), code=303)
