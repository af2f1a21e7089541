"""Language: ``?lang=`` → session → Accept-Language → Swedish (DESIGN.md, Swedish first)."""

from __future__ import annotations

from typing import Any

from flask import Flask, has_request_context, request, session, url_for
from flask_babel import Babel, get_locale

LANGUAGES = ("sv", "en")
LANGUAGE_NAMES = {"sv": "Svenska", "en": "English"}

babel = Babel()


def select_locale() -> str:
    if not has_request_context():
        return "en"  # command-line output for operators
    chosen = request.args.get("lang") or session.get("lang")
    if chosen in LANGUAGES:
        return str(chosen)
    return request.accept_languages.best_match(LANGUAGES) or LANGUAGES[0]


def remember_language() -> None:
    chosen = request.args.get("lang")
    if chosen in LANGUAGES and session.get("lang") != chosen:
        session["lang"] = chosen


def language_url(code: str) -> str:
    """This page in another language (for the switch shown on every page)."""
    if request.endpoint is None or request.method != "GET":
        return url_for("public.index", lang=code)
    args: dict[str, Any] = {**request.args.to_dict(), **(request.view_args or {}), "lang": code}
    return url_for(request.endpoint, **args)


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, default_locale=LANGUAGES[0])
    app.before_request(remember_language)
    app.jinja_env.globals.update(
        language_url=language_url, LANGUAGE_NAMES=LANGUAGE_NAMES, get_locale=get_locale
    )
