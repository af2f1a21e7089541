"""Language: ``?lang=`` → the ``lang`` cookie → Accept-Language → Swedish (Swedish first).

The choice lives in its own small cookie rather than in the server-side session: choosing a
language should not create a server-side record, and it should survive logging out. It is a
session cookie (no Expires, no Max-Age): it goes when the browser closes, so the device keeps no
dated sign of a visit to the portal (a year-long cookie would, long after the history is cleared).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, has_request_context, request, url_for
from flask_babel import Babel, get_locale

from . import domain
from .security import totp

LANGUAGES = ("sv", "en")
LANGUAGE_NAMES = {"sv": "Svenska", "en": "English"}
COOKIE = "lang"

babel = Babel()


def select_locale() -> str:
    if not has_request_context():
        return "en"  # command-line output for operators
    chosen = request.args.get("lang") or request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return str(chosen)
    return request.accept_languages.best_match(LANGUAGES) or LANGUAGES[0]


def remember_language(response: Response) -> Response:
    chosen = request.args.get("lang")
    if chosen in LANGUAGES and request.cookies.get(COOKIE) != chosen:
        response.set_cookie(
            COOKIE,
            chosen,
            httponly=True,
            samesite="Strict",
            secure=bool(request.environ.get("wsgi.url_scheme") == "https"),
        )
    return response


def language_url(code: str) -> str:
    """This page in another language (for the switch shown on every page)."""
    if request.endpoint is None or request.method != "GET":
        return url_for("public.index", lang=code)
    args: dict[str, Any] = {**request.args.to_dict(), **(request.view_args or {}), "lang": code}
    return url_for(request.endpoint, **args)


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, default_locale=LANGUAGES[0])
    app.after_request(remember_language)
    app.jinja_env.globals.update(
        language_url=language_url,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        get_locale=get_locale,
        label=domain.label,
        moderator_label=domain.moderator_label,
    )
    app.jinja_env.filters["or_dash"] = domain.or_dash
    app.jinja_env.filters["in_fours"] = totp.readable
    app.jinja_env.filters["swedish_time"] = domain.swedish_time
