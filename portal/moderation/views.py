"""Routes of /moderation: log-in, log-out, dashboard, password, key grants."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from .. import organisations, retention
from ..accounts import grants
from ..accounts import service as accounts
from ..cases.clocks import urgency
from ..cases.overview import overview
from ..db import db_session, keep_writes
from ..domain import Status, today
from ..installation import current_config
from ..models import User
from ..pages import Page, form_page
from ..security import failed_codes
from ..security.ratelimit import configured, limiter
from . import bp, drafts, granting
from .auth import admin_required, current_user, end_session, start_session
from .forms import ActionForm, DraftForm, LoginForm, PasswordChangeForm


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(configured("limit_moderator_login"), methods=["POST"])
def login() -> Page:
    form = LoginForm()
    if form.validate_on_submit():
        try:
            logged_in = accounts.authenticate(
                db_session(),
                form.username.data or "",
                form.password.data or "",
                form.totp.data or "",
                current_config(),
            )
        except accounts.LoginFailed:
            keep_writes()  # the failure counts towards the lock-out and is in the audit log
            # Never say which factor was wrong, nor whether the account exists or is locked.
            flash(
                _(
                    "Log-in failed. Check your user name, password and one-time code, or wait "
                    "a while if you have tried several times."
                ),
                "error",
            )
            return form_page("moderation/login.html", form, status=401)
        start_session(logged_in)
        draft = drafts.opened(form.draft.data)
        if draft is not None and not logged_in.user.is_operator:
            # One button takes the text back to its case (no script needed; never stored).
            resume = DraftForm(formdata=None, draft=form.draft.data)
            return render_template("moderation/draft_resume.html", form=resume, draft=draft)
        home = "operator.home" if logged_in.user.is_operator else "moderation.dashboard"
        return redirect(url_for(home))
    return form_page("moderation/login.html", form)


@bp.post("/logout")
def logout() -> Response:
    accounts.log_out(db_session(), current_user())
    end_session()
    flash(_("You are logged out."), "info")
    return redirect(url_for("moderation.login"))


@bp.get("/")
def dashboard() -> str:
    user = current_user()
    db = db_session()
    return render_template(
        "moderation/dashboard.html",
        user=user,
        waiting=grants.awaiting_grant(db) if user.is_admin else [],
        # Administrators only: they are the ones who can ask for the proxy's logs.
        failures=failed_codes.recent() if user.is_admin else None,
        has_key=user.may_read_cases,
        form=ActionForm(),
        overview=overview(db, today()),
        soon=_soon(user),
        today=today(),
        urgency=urgency,
        Status=Status,
    )


def _soon(user: User) -> retention.ErasureWarning | None:
    """The closed cases erased within the warning's days (of those the user may read: the scope)."""
    if user.organisation_id is None:
        return None
    db, config = db_session(), current_config()
    organisation = organisations.get(db, user.organisation_id)
    return retention.warning(db, organisation, config.retention_days, config.retention_warning_days, today())


@bp.post("/users/<int:user_id>/grant")
@admin_required
def grant(user_id: int) -> Response:
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    db = db_session()
    user = db.get(User, user_id)
    if user is None:
        abort(404)
    granting.grant(user)
    return redirect(url_for("moderation.dashboard"))


@bp.route("/account/password", methods=["GET", "POST"])
def password() -> Page:
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                db_session(), current_user(), form.current.data or "", form.new.data or "", current_config()
            )
        except accounts.LoginFailed:
            form.current.errors = [_("The current password is not right.")]
        except accounts.WeakPassword as weak:
            form.new.errors = list(weak.problems)
        else:
            flash(_("Your password is changed."), "info")
            return redirect(url_for("moderation.dashboard"))
    return form_page("moderation/password.html", form)
