"""Who is logged in: the deny-by-default gate of /moderation and the session's keys."""

from __future__ import annotations

import base64
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import abort, g, redirect, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from .. import scoping
from ..accounts.service import LoggedIn
from ..cases.access import Keyring
from ..db import db_session
from ..installation import current_config
from ..models import User
from ..pages import form_page
from ..security.sessions import ServerSideSession, set_idle
from . import bp, drafts
from .forms import LoginForm

# SecureDrop's _insecure_views: the only endpoints reachable without a full log-in.
PUBLIC_ENDPOINTS = frozenset({"moderation.login"})
# Figures about all the organisation's cases, with suppression: the same for every moderator, an
# excluded one included (an exclusion keeps a moderator from reading a case, not from counting it).
AGGREGATE_ENDPOINTS = frozenset(
    {
        "moderation.stats_page",
        "moderation.stats_csv",
        "moderation.handling_stats",
        "moderation.handling_stats_csv",
    }
)
USER_ID = "moderator_id"
ORG_KEY = "org_key"
OWN_KEY = "own_key"

F = TypeVar("F", bound=Callable[..., Any])


def start_session(logged_in: LoggedIn) -> None:
    """A fresh session (new id and key) holding the user and their keyring: an admin's unwrapped
    organisation key, a plain moderator's own private key (it opens their case keys)."""
    current = cast(ServerSideSession, session)
    current.clear()
    current.rotate()
    current[USER_ID] = logged_in.user.id
    current.own(logged_in.user.id)  # disabling the user ends this session at once
    keys = logged_in.keyring
    for name, value in ((ORG_KEY, keys.org_private_key), (OWN_KEY, keys.private_key)):
        if value is not None:
            current[name] = base64.b64encode(value).decode()
    set_idle(current, current_config().moderator_idle_seconds)


def end_session() -> None:
    cast(ServerSideSession, session).destroy()


def _key(name: str) -> bytes | None:
    value = session.get(name)
    return base64.b64decode(value) if value else None


def org_key() -> bytes | None:
    """The organisation's private key: an admin's session only."""
    return _key(ORG_KEY)


def keyring() -> Keyring:
    return Keyring(current_user().id, org_private_key=_key(ORG_KEY), private_key=_key(OWN_KEY))


def current_user() -> User:
    user: User = g.moderator
    return user


def session_user() -> User | None:
    """The user this session logged in, while their account is active: a moderator, an admin or
    the installation operator (``operator.views`` asks too). A disabled user's session ends here,
    at their next request."""
    user_id = session.get(USER_ID)
    user = db_session().get(User, user_id) if user_id else None
    if user is not None and not user.active:
        end_session()
        return None
    return user


@bp.before_request
def require_login() -> Response | tuple[str, int] | None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    user = session_user()
    if user is None:
        if request.method == "GET":
            return redirect(url_for("moderation.login"))
        if drafts.carried():  # a message or note written while the session ran out: keep it
            return _login_carrying(drafts.seal_request())
        abort(403)
    if user.is_operator:
        # The operator's pages are their own (/operator); moderation is the organisations' work.
        if request.method == "GET":
            return redirect(url_for("operator.home"))
        abort(403)
    g.moderator = user
    # From here on, every query of this request sees the user's organisation only, and a plain
    # moderator only the cases they hold a case key for (portal.scoping).
    every_case = user.is_admin or request.endpoint in AGGREGATE_ENDPOINTS
    scoping.scope_to(db_session(), user.organisation_id, reader=None if every_case else user.id)
    return None


def _login_carrying(sealed: str) -> tuple[str, int]:
    form = LoginForm(formdata=None, draft=sealed)
    form.form_errors.append(
        _("Your session has ended. Log in again: what you wrote is kept and comes back in the case.")
    )
    return form_page("moderation/login.html", form, status=403)


def admin_required(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user().is_admin:
            abort(403)
        return view(*args, **kwargs)

    return cast(F, wrapper)
