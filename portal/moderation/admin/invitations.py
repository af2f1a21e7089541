"""Inviting a colleague, and resetting one's account (issue 17, item 14): a one-time link, shown once.

"Add moderator" takes the user name and role; "Reset" ends the account's passphrase, app and key
pair. Either way the colleague follows the link and chooses their own passphrase and
authenticator app (``portal/setup``), so no admin learns another person's passphrase. An admin
who followed the link themselves would leave the colleague a spent link (they notice), and the
log names the admin who issued it.
"""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ... import enrolment
from ...accounts import resets
from ...accounts import service as accounts
from ...db import db_session, utcnow
from ...ids import MAX_ID
from ...installation import current_config
from ...models import Role, User
from ...pages import Page, form_page
from .. import bp
from ..auth import admin_required, current_user
from ..forms import ActionForm
from .forms import InvitationForm
from .views import organisation_id

# The link just issued, kept only until the admin leaves its page: in the encrypted server-side
# session, never in a row (only the token's SHA-256 is stored) or a log.
SHOWN = "admin_invitation"
SHOWN_ENDPOINT = "moderation.invitation"


@bp.before_request
def forget_shown_link() -> None:
    if SHOWN in session and request.endpoint != SHOWN_ENDPOINT:
        session.pop(SHOWN)


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def new_user() -> Page:
    form = InvitationForm()
    if form.validate_on_submit():
        username = form.username.data or ""
        try:
            token = enrolment.invite(
                db_session(),
                organisation_id(),
                username,
                Role(form.role.data),
                form.notify_email.data,
                current_user(),
                utcnow(),
            )
        except accounts.UsernameTaken:
            form.username.errors = [_("There is already an account, or an invitation, with this user name.")]
        except accounts.InvalidEmail:
            form.notify_email.errors = [_("Enter an e-mail address such as name@example.se.")]
        else:
            return _show(username.strip(), token, reset=False)
    return form_page("moderation/user_new.html", form)


def _show(username: str, token: str, reset: bool) -> Response:
    until = utcnow() + enrolment.VALID_FOR
    session[SHOWN] = {
        "username": username,
        "url": enrolment.link_url(current_config().base_url, token),
        "until": until.isoformat(),
        "reset": reset,
        "shown": False,
    }
    return redirect(url_for(SHOWN_ENDPOINT), code=303)


@bp.route("/users/<int:user_id>/reset", methods=["GET", "POST"])
@admin_required
def reset_user(user_id: int) -> Page:
    db = db_session()
    user = db.get(User, user_id) if user_id <= MAX_ID else None
    if user is None:
        abort(404)
    form = ActionForm()
    if form.validate_on_submit() and not user.active:
        flash(
            _(
                "%(name)s is disabled: an account comes back with “users enable” at the server.",
                name=user.username,
            ),
            "error",
        )
    elif form.validate_on_submit():
        try:
            resets.reset(db, user, current_config(), current_user())
        except accounts.SelfChange:
            flash(
                _(
                    "You cannot reset your own account. Change your password instead, or ask another administrator."
                ),
                "error",
            )
        else:
            return _show(user.username, enrolment.reissue(db, user, current_user(), utcnow()), reset=True)
    return form_page("moderation/user_reset.html", form, user=user, me=current_user())


@bp.get("/users/invitation")
@admin_required
def invitation() -> Page:
    shown = session.get(SHOWN)
    if not shown or shown["shown"]:
        flash(
            _("The link is shown only once. Withdraw the invitation and invite again for a new one."), "error"
        )
        return redirect(url_for("moderation.users"), code=303)
    session[SHOWN] = {"shown": True}  # a reload no longer shows it, and the session holds it no more
    until = dt.datetime.fromisoformat(shown["until"])
    return render_template("moderation/user_invited.html", shown=shown, until=until)


@bp.post("/users/invitations/<int:link_id>/withdraw")
@admin_required
def withdraw_invitation(link_id: int) -> Page:
    if not ActionForm().validate_on_submit():
        return redirect(url_for("moderation.users"), code=303)
    db = db_session()
    try:
        link = enrolment.invitation(db, organisation_id(), link_id) if link_id <= MAX_ID else None
    except enrolment.LinkRefused:
        link = None
    if link is None:
        abort(404)
    if not enrolment.is_open(link, utcnow()):
        flash(_("That invitation no longer works: it was used, withdrawn or has expired."), "info")
    else:
        enrolment.withdraw(db, link, current_user(), utcnow())
        flash(
            _("The invitation of %(name)s is withdrawn: its link no longer works.", name=link.username),
            "info",
        )
    return redirect(url_for("moderation.users"), code=303)
