"""Which organisation a reporter's page speaks for: its address /o/<slug>/…, its host name, or the
installation's only organisation (issue 14, item 3).

Every reporter view is registered twice (:func:`route`): at its old URL and under ``/o/<slug>``,
with one endpoint, so that ``url_for`` inside the pages keeps the reporter under the address they
came by (:func:`_keep_slug`). An organisation's own host name reaches it at the old URLs. Nothing
of this is kept in the session: the address says which organisation the page is for, and a case's
own row says which organisation it belongs to.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, abort, current_app, g, render_template, request
from flask_babel import get_locale

from . import organisation_texts, organisations
from .db import db_session
from .models import Organisation, OrganisationText
from .security.ratelimit import client_key

PREFIX = "/o/<slug>"
_ADDRESSED = "reporter_organisation"
_SLUG = "reporter_slug"


def route(bp: Blueprint, rule: str, **options: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``bp.route`` at ``rule`` and at ``/o/<slug>`` + ``rule``: one view, one endpoint."""

    def register(view: Callable[..., Any]) -> Callable[..., Any]:
        bp.add_url_rule(rule, view_func=view, **options)
        bp.add_url_rule(PREFIX + rule, view_func=view, **options)
        return view

    return register


def addressed() -> Organisation | None:
    """The organisation the request's address names (slug or host name), if it names one."""
    value = g.get(_ADDRESSED)
    return value if isinstance(value, Organisation) else None


def speak_for(row: Organisation) -> None:
    """From here on the page speaks in ``row``'s words (a case's pages, whatever the address)."""
    setattr(g, _ADDRESSED, row)
    if g.get(_SLUG):
        setattr(g, _SLUG, row.slug)


def target() -> Organisation | None:
    """The organisation this page is for: the addressed one, else the only one. None when there
    are several and none is addressed (:func:`choosing`), or none yet; nothing is made here: a
    row made at a reporter's visit would date that visit."""
    return addressed() or organisations.single(db_session())


def choosing() -> bool:
    """Several organisations and none addressed: the reporter chooses first."""
    return addressed() is None and several()


def choices() -> list[Organisation]:
    """The chooser's list: organisations that take reports, by name, nothing else about them."""
    return [row for row in organisations.all_of(db_session()) if row.takes_reports]


def chooser(endpoint: str) -> str:
    """Several organisations and none addressed: a plain list of links by name (no counts, no
    "recent": the list says nothing about who reports)."""
    return render_template("public/chooser.html", organisations=choices(), endpoint=endpoint)


def limit_key() -> str:
    """The reporter's anonymised key counted per organisation, so that a flood of one
    organisation's form spends its own bucket and not another's; the installation-wide limit
    counts on the plain key."""
    row = target()
    return f"{client_key()}:org:{row.id if row is not None else 0}"


def several() -> bool:
    return organisations.count(db_session()) > 1


def _host() -> str:
    host = request.host.lower()
    return host if host.endswith("]") else host.rsplit(":", 1)[0]


def read_address(endpoint: str | None, values: dict[str, Any] | None) -> None:
    slug = values.pop("slug", None) if values else None
    db = db_session()
    if slug is not None:
        row = organisations.by_slug(db, slug)
        if row is None:
            abort(404)
        setattr(g, _SLUG, row.slug)
    else:
        row = organisations.by_host(db, _host())
    if row is not None:
        speak_for(row)


def _keep_slug(endpoint: str, values: dict[str, Any]) -> None:
    slug = g.get(_SLUG)
    if slug and "slug" not in values and current_app.url_map.is_endpoint_expecting(endpoint, "slug"):
        values["slug"] = slug


def init_app(app: Flask) -> None:
    """Each reporter blueprint calls :func:`read_address` as its ``url_value_preprocessor``."""
    app.url_defaults(_keep_slug)

    @app.context_processor
    def organisation() -> dict[str, object]:
        return {"reporter_organisation": addressed(), "local_texts": local_texts}


def local_texts() -> OrganisationText | None:
    """The page's organisation's own words in the page's language (called by the reporter's
    templates only, so that no other page reads them)."""
    row = target()
    if row is None:
        return None
    return organisation_texts.of(db_session(), row.id, getattr(get_locale(), "language", ""))
