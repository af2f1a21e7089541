"""CSRF without a server-side session: the signed double-submit token (DESIGN.md §3).

A session row or key carries an expiry time, and with it the time of the visit; a visitor who
only reads or fills in a form must not get one. So the browser holds a random value in a cookie
(a session cookie: no Expires or Max-Age, HttpOnly, SameSite=Strict, Secure under HTTPS), every
form carries ``value + timestamp`` signed with the app's secret (itsdangerous), and a POST passes
when the signature holds, the value is the cookie's and the token is no older than the longest
session. The server keeps nothing. Another site can read neither the cookie nor our pages, so it
cannot make a matching pair, and SameSite=Strict keeps the cookie off its requests anyway.

Flask-WTF's ``CSRFProtect`` still runs the check before every view and its forms still carry the
field; only where the secret value lives changes (Flask-WTF keeps it in the session).
"""

from __future__ import annotations

import hmac
import re
import secrets
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, request
from flask_wtf.csrf import CSRFProtect
from itsdangerous import BadData, URLSafeTimedSerializer
from wtforms import Field, ValidationError
from wtforms.csrf.core import CSRF

COOKIE_NAME = "portal_csrf"
VALUE_BYTES = 32
VALUE_FORMAT = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(VALUE_BYTES)
SALT = "portal-csrf-double-submit"
# Marks in ``g`` for one request (Flask-WTF's own ``g.csrf_token`` is left alone).
_VALUE = "portal_csrf_value"
_NEW_VALUE = "portal_csrf_new_value"
_TOKEN = "portal_csrf_token"
# What marks a view that answers an expired token with its form again (``shows_form_again``).
_SHOWS_FORM_AGAIN = "portal_csrf_shows_form_again"

F = TypeVar("F", bound=Callable[..., Any])


class TokenRefused(Exception):
    """Missing, forged or another browser's token: a forgery or a broken client."""


class TokenExpired(Exception):
    """The browser's own genuine token, only older than allowed."""


class CookieGone(TokenRefused):
    """A token of ours whose browser no longer sends the cookie it signs: the browser restarted or
    its cookies were cleared while the form was open (or another site posted it: SameSite keeps
    our cookie off its requests)."""


def _serializer() -> URLSafeTimedSerializer:
    secret = current_app.secret_key
    if not secret:
        raise RuntimeError("CSRF tokens need the app's secret key")
    return URLSafeTimedSerializer(secret, salt=SALT)


def _lifetime() -> int:
    # No token outlives the longest session (8 h): a moderator's session ends before their form's
    # token does, so only an anonymous form left open that long ever meets an expired token.
    return int(current_app.config["PORTAL"].session_absolute_seconds)


def _browser_value() -> str:
    """This browser's value, or a new one that this answer's cookie will carry."""
    if _VALUE not in g:
        sent = request.cookies.get(COOKIE_NAME, "")
        fresh = not VALUE_FORMAT.fullmatch(sent)
        setattr(g, _VALUE, secrets.token_urlsafe(VALUE_BYTES) if fresh else sent)
        setattr(g, _NEW_VALUE, fresh)
    value: str = g.get(_VALUE)
    return value


def token() -> str:
    """The token of this page's forms (the templates' ``csrf_token()``), one per answer."""
    if _TOKEN not in g:
        setattr(g, _TOKEN, _serializer().dumps(_browser_value()))
    signed: str = g.get(_TOKEN)
    return signed


def check(sent: str | None) -> None:
    """Raise :class:`TokenRefused` or :class:`TokenExpired` unless ``sent`` is good."""
    cookie = request.cookies.get(COOKIE_NAME, "")
    if not sent:
        raise TokenRefused("The CSRF token is missing.")
    try:
        value, signed_at = _serializer().loads(sent, return_timestamp=True)
    except BadData as bad:
        raise TokenRefused("The CSRF token is invalid.") from bad
    if not VALUE_FORMAT.fullmatch(cookie):
        raise CookieGone("The CSRF cookie is missing.")
    if not isinstance(value, str) or not hmac.compare_digest(value, cookie):
        raise TokenRefused("The CSRF tokens do not match.")
    if time.time() - signed_at.timestamp() > _lifetime():
        raise TokenExpired("The CSRF token has expired.")


def shows_form_again(view: F) -> F:
    """Mark a view whose form answers a refused submission with the form, everything typed still
    in it: an expired token (a form left open for hours) or one whose cookie is gone
    (:class:`CookieGone`) then reaches the view, where the form's own check fails with one
    sentence (``macros/forms.html``) and nothing is done. A forger gains nothing there: the form
    comes back, unsent, to the browser that posted it. A token that does not match the cookie
    sent with it is still refused before any view. Views that act without validating a form stay
    unmarked, and every such token is refused before them."""
    setattr(view, _SHOWS_FORM_AGAIN, True)
    return view


def marked(view: Callable[..., Any] | None) -> bool:
    """Is ``view`` marked with :func:`shows_form_again`?"""
    return bool(getattr(view, _SHOWS_FORM_AGAIN, False))


class FormCSRF(CSRF):
    """The CSRF field of every portal form (``portal.forms.Form``): the token is this module's."""

    def generate_csrf_token(self, csrf_token_field: Field) -> str:
        return token()

    def validate_csrf_token(self, form: Any, field: Field) -> None:
        if g.get("csrf_valid", False):
            return  # checked by DoubleSubmitProtect before the view
        try:
            check(field.data)
        except (TokenRefused, TokenExpired) as failed:
            raise ValidationError(str(failed)) from failed


class DoubleSubmitProtect(CSRFProtect):
    """Flask-WTF's global check before every view, on the double-submit token."""

    def init_app(self, app: Flask) -> None:
        super().init_app(app)
        app.jinja_env.globals["csrf_token"] = token
        # After Flask-WTF's context processor, so that templates get this module's token.
        app.context_processor(lambda: {"csrf_token": token})
        app.after_request(_send_cookie)

    def protect(self, apply_exemptions: bool = False) -> None:
        if apply_exemptions and (not request.endpoint or self._is_exempt()):
            return
        if request.method not in current_app.config["WTF_CSRF_METHODS"]:
            return
        try:
            check(self._get_csrf_token())
        except (TokenExpired, CookieGone) as failed:
            if not marked(current_app.view_functions.get(request.endpoint or "")):
                self._error_response(str(failed))
            return  # the view's form refuses it and shows itself again
        except TokenRefused as refused:
            self._error_response(str(refused))
        g.csrf_valid = True


def _send_cookie(response: Response) -> Response:
    if g.get(_NEW_VALUE) and _TOKEN in g:
        response.set_cookie(
            COOKIE_NAME,
            g.get(_VALUE),
            path="/",
            httponly=True,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            samesite="Strict",
        )
        response.vary.add("Cookie")
    return response
