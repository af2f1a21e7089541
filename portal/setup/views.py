"""Routes of the set-up wizard: /setup (or /enrol/<token>) → /setup/totp → /setup/recovery."""

from __future__ import annotations

from flask import Response as FlaskResponse
from flask import abort, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from .. import enrolment
from ..accounts import service as accounts
from ..db import db_session
from ..errors import render_error
from ..installation import current_config
from ..models import Role
from ..pages import Page, form_page
from ..security import totp
from ..security.ratelimit import configured, limiter
from . import bp, service
from .forms import AdminForm, PassphraseForm, RecoveryStoredForm, TotpForm

ENTRY = "setup_entry"
PENDING = "setup_pending"
RECOVERY = "setup_recovery_key"
ORGANISATION_NAME = "setup_organisation_name"


def _closed(enrolling: bool = False) -> tuple[str, int]:
    if enrolling:
        return render_error(
            403,
            _(
                "This enrolment link no longer works: it has been used, replaced or has expired. "
                "Ask the installation's operator for a new one."
            ),
        )
    return render_error(
        403, _("The portal is already set up; this set-up link no longer works. Log in instead.")
    )


@bp.route("/setup", methods=["GET", "POST"])
@limiter.limit(configured("limit_setup"))
def start() -> Page:
    """Step 1 through the installation's set-up link (its first organisation and admin)."""
    db = db_session()
    try:
        if session.get(ENTRY) != service.Entry().to_session():
            service.check_token(db, request.args.get("token", ""), current_config())
            session[ENTRY] = service.Entry().to_session()
            session.pop(ORGANISATION_NAME, None)
        service.check_open(db)
    except service.SetupClosed:
        return _closed()
    except service.BadToken:
        return render_error(
            403, _("This set-up link is not valid. Use the link printed when the portal started.")
        )
    return _admin_step(url_for("setup.start"))


@bp.route("/enrol/<token>", methods=["GET", "POST"])
@limiter.limit(configured("limit_setup"))
def enrol_start(token: str) -> Page:
    """Step 1 through an enrolment link: an organisation's first admin (issue 14) or someone an
    admin invited (issue 17)."""
    db = db_session()
    try:
        entry, organisation = service.enter_with_link(db, token)
    except enrolment.LinkRefused:
        return _closed(enrolling=True)
    session[ENTRY] = entry.to_session()
    session.pop(PENDING, None)  # step 1 of another link, in this browser, counts for nothing here
    session[ORGANISATION_NAME] = organisation.name
    return _admin_step(url_for("setup.enrol_start", token=token))


def _admin_step(action: str) -> Page:
    entry = service.Entry.from_session(session[ENTRY])
    # An invitation's user name was chosen by the admin who invited: the form only shows it.
    form = PassphraseForm() if entry.invited else AdminForm()
    if form.validate_on_submit():
        pending = _pending_account(form, entry)
        if pending is not None:
            session[PENDING] = pending.to_session()
            return redirect(url_for("setup.enrol"))
    return form_page(
        "setup/admin.html", form, action=action, organisation_name=session.get(ORGANISATION_NAME), entry=entry
    )


def _pending_account(form: PassphraseForm | AdminForm, entry: service.Entry) -> service.PendingAdmin | None:
    """The account step 1 describes, or None with the reason on the form."""
    if isinstance(form, AdminForm):
        username = form.username.data or ""
        if accounts.username_taken(db_session(), username):
            form.username.errors = [_("That user name is taken. Choose another.")]
            return None
    else:
        assert entry.username is not None
        username = entry.username
    try:
        return service.PendingAdmin.create(
            username, form.password.data or "", current_config(), Role(entry.role)
        )
    except accounts.WeakPassword as weak:
        form.password.errors = list(weak.problems)
        return None


def _entry() -> service.Entry:
    data = session.get(ENTRY)
    if not data:
        abort(403)
    return service.Entry.from_session(data)


def _pending() -> service.PendingAdmin:
    data = session.get(PENDING)
    if not session.get(ENTRY) or not data:
        abort(403)
    return service.PendingAdmin.from_session(data)


@bp.route("/setup/totp", methods=["GET", "POST"])
@limiter.limit(configured("limit_setup"), methods=["POST"])
def enrol() -> Page:
    db = db_session()
    entry = _entry()
    try:
        service.check_entry(db, entry)
    except service.SetupClosed:
        return _closed(entry.link_id is not None)
    pending = _pending()
    form = TotpForm()
    if form.validate_on_submit():
        try:
            account = service.complete(db, pending, form.totp.data or "", current_config(), entry)
        except service.WrongCode:
            form.totp.errors = [
                _("That code is not valid. Check the time on your phone and try the newest code.")
            ]
        except service.SetupClosed:
            return _closed(entry.link_id is not None)
        except accounts.UsernameTaken:
            form.totp.errors = [
                _("That user name was taken meanwhile. Go back to the first step and choose another.")
            ]
        else:
            session.pop(PENDING)
            if account.recovery_key is None:  # invited: the organisation and its key exist
                return _joined()
            session[RECOVERY] = account.recovery_key
            return redirect(url_for("setup.recovery"))
    return form_page("setup/totp.html", form, secret=pending.totp_secret, entry=entry)


def _joined() -> Response:
    session.pop(ENTRY, None)
    session.pop(ORGANISATION_NAME, None)
    flash(
        _(
            "Your account is ready. Log in with your user name, passphrase and one-time code; "
            "an administrator lets you read cases."
        ),
        "info",
    )
    return redirect(url_for("moderation.login"))


@bp.get("/setup/qr.svg")
def qr() -> FlaskResponse:
    pending = _pending()
    return FlaskResponse(totp.qr_svg(pending.provisioning_uri()), mimetype="image/svg+xml")


@bp.route("/setup/recovery", methods=["GET", "POST"])
def recovery() -> Page:
    key = session.get(RECOVERY)
    if key is None:
        return _closed()
    form = RecoveryStoredForm()
    if form.validate_on_submit():
        session.pop(RECOVERY)
        session.pop(ENTRY, None)
        if session.pop(ORGANISATION_NAME, None):
            flash(
                _("Your organisation is set up. Log in with your user name, passphrase and one-time code."),
                "info",
            )
        else:
            flash(
                _("The portal is set up. Log in with your user name, passphrase and one-time code."), "info"
            )
        return redirect(url_for("moderation.login"))
    if key:
        session[RECOVERY] = ""  # drawn once: a reload, or a refused form, shows it no more
    return form_page("setup/recovery.html", form, recovery_key=key or None)
