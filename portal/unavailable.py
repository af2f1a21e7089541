"""The calm answer when a part the portal needs is down: the database (PostgreSQL restarting,
SQLite locked or on a full disk), Redis, or the disk under the upload spool.

A 503 with ``Retry-After``, never a 500. On a form's POST nothing was stored (the request's
transaction is rolled back, portal/db.py), so the page gives back everything typed: each text
shown to copy, and all fields in a "Send again" form that posts them to the same address, where
the view validates them as on the first try. Secrets are never written into a page (passwords,
passphrases, a reporter's code: the person types them again), nor can files be (they are
attached again).

The page touches neither the database nor anything but the cookie session, which is read before
any view runs.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass

import redis.exceptions
from flask import g, render_template, request
from sqlalchemy import exc as sqlalchemy_exc
from wtforms import Field, FileField, MultipleFileField, PasswordField

UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    sqlalchemy_exc.OperationalError,  # connection refused or lost, database locked, disk full
    sqlalchemy_exc.InterfaceError,  # a connection closed under the pool's feet
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)
RETRY_AFTER_SECONDS = 60
# A field of this name holds a secret even where no form says so (a failure before the view).
SECRET_NAMES = frozenset({"code", "password", "confirm", "current", "new", "passphrase", "totp"})
_FORMS = "portal.forms_of_request"


@dataclass(frozen=True)
class KeptField:
    name: str
    label: str  # the form's label; empty when the failure came before the view built its form
    values: tuple[str, ...]
    shown: bool  # text the person wrote, shown to copy or change (choices go back hidden)


def is_unavailable(error: BaseException | None) -> bool:
    """Is ``error`` a part that is down (rather than a fault in the portal)?"""
    if isinstance(error, UNAVAILABLE_ERRORS):
        return True
    return isinstance(error, OSError) and error.errno == errno.ENOSPC


def remember_form(form: object) -> None:
    """Called by every portal form when it is built (``portal.forms.Form``): a failure after the
    view built its form gives the typed values back under the form's own labels."""
    g.setdefault(_FORMS, []).append(form)


def answer() -> tuple[str, int, dict[str, str]]:
    kept, secrets_typed = typed() if request.method == "POST" else ([], False)
    page = render_template(
        "errors/unavailable.html",
        kept=kept,
        shown=[field for field in kept if field.shown],
        secrets_left_out=secrets_typed,
        files_left_out=any(file.filename for _, file in request.files.items(multi=True)),
    )
    return page, 503, {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}


def typed() -> tuple[list[KeptField], bool]:
    """The POST's fields that may be given back, and whether a secret was typed (and left out)."""
    fields = _form_fields()
    kept, secrets_typed = [], False
    for name in dict.fromkeys(request.form):
        field = fields.get(name)
        values = tuple(request.form.getlist(name))
        if _secret(name, field):
            secrets_typed = secrets_typed or (name != "csrf_token" and any(values))
            continue
        label = str(field.label.text) if field is not None else ""
        kept.append(KeptField(name, label, values, _shown(field, values)))
    return kept, secrets_typed


def _form_fields() -> dict[str, Field]:
    fields: dict[str, Field] = {}
    for form in g.get(_FORMS, []):
        fields.update({field.name: field for field in form})
    return fields


def _secret(name: str, field: Field | None) -> bool:
    if name == "csrf_token" or name in SECRET_NAMES:
        return True
    return isinstance(field, PasswordField | FileField | MultipleFileField)


def _shown(field: Field | None, values: tuple[str, ...]) -> bool:
    if not any(value.strip() for value in values):
        return False
    if len(values) != 1:
        return False
    if field is None:
        return True  # no form to ask: better shown once too often than a text lost
    return field.type in {"StringField", "TextAreaField"}
