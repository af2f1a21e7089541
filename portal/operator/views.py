"""Routes of /operator: the organisations, one organisation, a new organisation and its link.

Only an installation operator passes :func:`require_operator`, and their request is scoped to no
organisation (``scoping.scope_to(db, None)``): any query of an organisation's rows that was not
written to opt out sees nothing. The pages show names, states, health and coarse counts
(``counts``), never a report, a message, a file or a user name.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from .. import organisations, scoping
from ..accounts import service as accounts
from ..db import db_session, utcnow
from ..domain import today
from ..ids import MAX_ID
from ..installation import current_config
from ..models import Organisation, User
from ..moderation.auth import end_session, session_user
from ..pages import Page, form_page
from . import counts, health, service
from .forms import HostForm, NameForm, OrganisationForm

bp = Blueprint("operator", __name__, url_prefix="/operator")
NEW_LINK = "operator_new_link"


@bp.before_request
def require_operator() -> Response | None:
    user = session_user()
    if user is None or not user.is_operator:
        if request.method == "GET":
            return redirect(url_for("moderation.login"))
        abort(403)
    g.operator = user
    scoping.scope_to(db_session(), None)  # no organisation's rows, unless a query opts out
    return None


def _operator() -> User:
    user: User = g.operator
    return user


def _organisation(organisation_id: int) -> Organisation:
    row = db_session().get(Organisation, organisation_id) if organisation_id <= MAX_ID else None
    if row is None:
        abort(404)
    return row


@bp.get("/")
def home() -> Page:
    return _home(OrganisationForm(formdata=None))


def _home(form: OrganisationForm) -> Page:
    db = db_session()
    daily = counts.daily(db, today(), current_config().stats_threshold)
    return form_page(
        "operator/home.html",
        form,
        organisations=service.overview(db, utcnow()),
        totals={row_id: sum(values) for row_id, values in daily.by_organisation.items()},
        days=len(daily.days),
        threshold=current_config().stats_threshold,
        health=health.read(db, current_app),
    )


@bp.post("/organisations")
def create() -> Page:
    form = OrganisationForm()
    if not form.validate_on_submit():
        return _home(form)
    db = db_session()
    try:
        row, token = service.create_organisation(
            db, form.slug.data or "", form.name.data or "", _operator(), utcnow()
        )
    except organisations.SlugTaken:
        form.slug.errors = [_("Another organisation has that short name. Choose another.")]
        return _home(form)
    except organisations.InvalidName:
        form.name.errors = [_("Write a name of at most 120 characters.")]
        return _home(form)
    return _show_link(row, token)


def _show_link(row: Organisation, token: str) -> Response:
    """Keep the new link for the one page that shows it (a reload does not issue another)."""
    session[NEW_LINK] = {"organisation_id": row.id, "token": token}
    return redirect(url_for("operator.link", organisation_id=row.id), code=303)


@bp.get("/organisations/<int:organisation_id>/enrolment-link")
def link(organisation_id: int) -> Page:
    """The link just issued, shown once; afterwards only a new one can be issued."""
    row = _organisation(organisation_id)
    kept = session.get(NEW_LINK)
    if not kept or kept.get("organisation_id") != row.id:
        return redirect(url_for("operator.organisation", organisation_id=row.id), code=303)
    session.pop(NEW_LINK)
    return render_template(
        "operator/link.html", organisation=row, link=service.enrolment_url(current_config(), kept["token"])
    )


@bp.get("/organisations/<int:organisation_id>")
def organisation(organisation_id: int) -> Page:
    row = _organisation(organisation_id)
    return _organisation_page(
        row, NameForm(formdata=None, name=row.name), HostForm(formdata=None, host=row.host)
    )


def _organisation_page(row: Organisation, name_form: NameForm, host_form: HostForm) -> Page:
    db = db_session()
    daily = counts.daily(db, today(), current_config().stats_threshold)
    state = next(state for state in service.overview(db, utcnow()) if state.id == row.id)
    refused = name_form.is_submitted() or host_form.is_submitted()
    return (
        render_template(
            "operator/organisation.html",
            organisation=row,
            state=state,
            days=list(zip(daily.days, daily.of(row.id), strict=True)),
            threshold=current_config().stats_threshold,
            name_form=name_form,
            host_form=host_form,
        ),
        400 if refused else 200,
    )


@bp.post("/organisations/<int:organisation_id>/link")
def new_link(organisation_id: int) -> Page:
    row = _organisation(organisation_id)
    try:
        token = service.issue_link(db_session(), row, _operator(), utcnow())
    except service.OrganisationHasUsers:
        flash(_("This organisation has its administrators: they add everyone else."), "error")
        return redirect(url_for("operator.organisation", organisation_id=row.id), code=303)
    return _show_link(row, token)


@bp.post("/organisations/<int:organisation_id>/name")
def rename(organisation_id: int) -> Page:
    row = _organisation(organisation_id)
    form = NameForm()
    if not form.validate_on_submit():
        return _organisation_page(row, form, HostForm(formdata=None, host=row.host))
    try:
        service.rename(db_session(), row, form.name.data or "", _operator())
    except organisations.InvalidName:
        form.name.errors = [_("Write a name of at most 120 characters.")]
        return _organisation_page(row, form, HostForm(formdata=None, host=row.host))
    flash(_("The name is changed."), "info")
    return redirect(url_for("operator.organisation", organisation_id=row.id), code=303)


@bp.post("/organisations/<int:organisation_id>/host")
def host(organisation_id: int) -> Page:
    row = _organisation(organisation_id)
    form = HostForm()
    if not form.validate_on_submit():
        return _organisation_page(row, NameForm(formdata=None, name=row.name), form)
    try:
        service.set_host(db_session(), row, form.host.data or None, _operator())
    except organisations.HostTaken:
        form.host.errors = [_("Another organisation has that host name.")]
        return _organisation_page(row, NameForm(formdata=None, name=row.name), form)
    flash(_("The host name is changed."), "info")
    return redirect(url_for("operator.organisation", organisation_id=row.id), code=303)


@bp.post("/logout")
def logout() -> Response:
    accounts.log_out(db_session(), _operator())
    end_session()
    flash(_("You are logged out."), "info")
    return redirect(url_for("moderation.login"), code=303)
