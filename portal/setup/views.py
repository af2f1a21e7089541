"""Routes of the set-up wizard: /setup → /setup/totp → /setup/recovery."""

from __future__ import annotations

from flask import Response as FlaskResponse
from flask import abort, flash, redirect, request, session, url_for
from flask_babel import gettext as _

from ..accounts import service as accounts
from ..db import db_session
from ..errors import render_error
from ..installation import current_config
from ..pages import Page, form_page
from ..security import totp
from ..security.ratelimit import configured, limiter
from . import bp, service
from .forms import AdminForm, RecoveryStoredForm, TotpForm

TOKEN_OK = "setup_token_ok"
PENDING = "setup_pending"
RECOVERY = "setup_recovery_key"


def _closed() -> tuple[str, int]:
    return render_error(
        403, _("The portal is already set up; this set-up link no longer works. Log in instead.")
    )


@bp.route("", methods=["GET", "POST"])
@limiter.limit(configured("limit_setup"))
def start() -> Page:
    db = db_session()
    try:
        if not session.get(TOKEN_OK):
            service.check_token(db, request.args.get("token", ""), current_config())
            session[TOKEN_OK] = True
        service.check_open(db)
    except service.SetupClosed:
        return _closed()
    except service.BadToken:
        return render_error(
            403, _("This set-up link is not valid. Use the link printed when the portal started.")
        )
    form = AdminForm()
    if form.validate_on_submit():
        try:
            pending = service.PendingAdmin.create(
                form.username.data or "", form.password.data or "", current_config()
            )
        except accounts.WeakPassword as weak:
            form.password.errors = list(weak.problems)
        else:
            session[PENDING] = pending.to_session()
            return redirect(url_for("setup.enrol"))
    return form_page("setup/admin.html", form)


def _pending() -> service.PendingAdmin:
    data = session.get(PENDING)
    if not session.get(TOKEN_OK) or not data:
        abort(403)
    return service.PendingAdmin.from_session(data)


@bp.route("/totp", methods=["GET", "POST"])
@limiter.limit(configured("limit_setup"), methods=["POST"])
def enrol() -> Page:
    db = db_session()
    try:
        service.check_open(db)
    except service.SetupClosed:
        return _closed()
    pending = _pending()
    form = TotpForm()
    if form.validate_on_submit():
        try:
            account = service.complete(db, pending, form.totp.data or "", current_config())
        except service.WrongCode:
            form.totp.errors = [
                _("That code is not valid. Check the time on your phone and try the newest code.")
            ]
        except accounts.UsernameTaken:
            return _closed()
        else:
            session.pop(PENDING)
            session[RECOVERY] = account.recovery_key
            return redirect(url_for("setup.recovery"))
    return form_page("setup/totp.html", form, secret=pending.totp_secret)


@bp.get("/qr.svg")
def qr() -> FlaskResponse:
    pending = _pending()
    return FlaskResponse(totp.qr_svg(pending.provisioning_uri()), mimetype="image/svg+xml")


@bp.route("/recovery", methods=["GET", "POST"])
def recovery() -> Page:
    key = session.get(RECOVERY)
    if not key:
        return _closed()
    form = RecoveryStoredForm()
    if form.validate_on_submit():
        session.pop(RECOVERY)
        session.pop(TOKEN_OK, None)
        flash(_("The portal is set up. Log in with your user name, passphrase and one-time code."), "info")
        return redirect(url_for("moderation.login"))
    return form_page("setup/recovery.html", form, recovery_key=key)
