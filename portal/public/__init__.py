"""Pages for everyone: the landing page with safety advice first, or the organisations' chooser."""

from __future__ import annotations

from flask import Blueprint, render_template

from .. import reporter_address

bp = Blueprint("public", __name__)
bp.url_value_preprocessor(reporter_address.read_address)


@reporter_address.route(bp, "/", methods=["GET"])
def index() -> str:
    if reporter_address.choosing():
        return reporter_address.chooser("public.index")
    return render_template("public/index.html")
