"""Error pages in both languages; a 500 never shows a trace."""

from __future__ import annotations

import traceback

from flask import Flask, render_template
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, InternalServerError

from . import unavailable

MESSAGES = {
    400: (
        _l("The request could not be understood"),
        _l("The form may have expired. Go back, reload the page and try again."),
    ),
    403: (_l("Not allowed"), _l("You do not have access to this page.")),
    404: (_l("Page not found"), _l("The page does not exist or has been removed.")),
    405: (_l("Not allowed"), _l("This page cannot be used that way.")),
    413: (
        _l("Too large"),
        _l("What you sent is larger than the portal accepts. Remove or shrink attachments and try again."),
    ),
    429: (_l("Too many attempts"), _l("Please wait a while before you try again.")),
    503: (
        _l("Not available"),
        _l("This part of the portal is not available right now. Please try again later."),
    ),
    500: (_l("Something went wrong"), _l("Nothing you sent has been stored. Please try again later.")),
}


def render_error(code: int, detail: str | None = None) -> tuple[str, int]:
    title, text = MESSAGES.get(code, MESSAGES[500])
    return render_template("errors/error.html", code=code, title=title, text=detail or text), code


def init_app(app: Flask) -> None:
    # Flask's own logging of an unhandled exception writes its message, which may quote what a
    # user typed or the statement's parameters: this portal logs frames only (unexpected_error).
    app.log_exception = lambda exc_info: None  # type: ignore[method-assign]

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        code = error.code or 500
        original = getattr(error, "original_exception", None)
        if original is not None:
            # Raised outside a view (the request's commit, portal/db.py): Flask hands it over
            # wrapped in a 500.
            return unexpected_error(original)
        if code == 400 and getattr(error, "description", None) and "CSRF" in str(error.description):
            return render_error(
                400,
                str(_l("The form has expired or was sent from elsewhere. Reload the page and try again.")),
            )
        return render_error(code if code in MESSAGES else 500)

    @app.errorhandler(Exception)
    def unexpected_error(error: BaseException) -> ResponseReturnValue:
        if unavailable.is_unavailable(error):
            app.logger.warning("unavailable: %s", type(error).__name__)
            return unavailable.answer()
        # Frames only: an exception's message may quote what a user typed.
        frames = traceback.extract_tb(error.__traceback__)
        where = "; ".join(f"{f.filename}:{f.lineno} in {f.name}" for f in frames[-5:])
        app.logger.error("unhandled %s at %s", type(error).__name__, where)
        return render_error(InternalServerError.code)
