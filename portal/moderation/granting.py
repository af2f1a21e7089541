"""An admin lets an account read cases: the grant button of the dashboard and of the users page."""

from __future__ import annotations

from flask import flash
from flask_babel import gettext as _

from ..accounts import grants
from ..accounts import service as accounts
from ..db import db_session
from ..models import User
from .auth import current_user, org_key


def grant(user: User) -> bool:
    """Grant, and say what happened in one sentence; False when it was refused."""
    try:
        grants.grant(db_session(), user, org_key(), current_user())
    except accounts.UserDisabled:
        flash(_("%(name)s is disabled and cannot be given access.", name=user.username), "error")
        return False
    except accounts.NoAccess:
        flash(
            _("You cannot grant access: your own account has not been given the organisation key."), "error"
        )
        return False
    if user.is_admin:
        flash(_("%(name)s can now read reports.", name=user.username), "info")
    else:
        flash(
            _(
                "%(name)s is being given the key of every case: they can read each one as soon as its key"
                " is sealed. The users page shows how far it has got.",
                name=user.username,
            ),
            "info",
        )
    return True
