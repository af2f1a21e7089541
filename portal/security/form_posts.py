"""Every POST is a browser form: other bodies are refused before a view sees them.

The portal has no JSON API. Flask-WTF reads a JSON body as form data when a POST carries no form
fields, and JSON values need not be strings: a number or a list where a text field expects a
string breaks the validators (a 500 instead of a clear refusal). Deny by default: only the two
encodings an HTML form can send, or no body at all.
"""

from __future__ import annotations

from flask import Flask, abort, request

FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def init_app(app: Flask) -> None:
    @app.before_request
    def refuse_other_bodies() -> None:
        if request.method == "POST" and request.mimetype and request.mimetype not in FORM_TYPES:
            abort(400)
