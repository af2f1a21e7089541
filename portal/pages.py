"""What a view returns, and the one way a form page answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from flask import render_template
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import StringField

from .security.codes import CodeNotFound

Page = str | Response | tuple[str, int]
Found = TypeVar("Found")


class CodeForm(Protocol):
    code: StringField

    def validate_on_submit(self) -> bool: ...


def form_page(template: str, form: FlaskForm, status: int | None = None, **context: Any) -> tuple[str, int]:
    """Render a form page: 200 when shown, 400 when a submission was refused (nothing changed)."""
    if status is None:
        status = 400 if form.is_submitted() else 200
    return render_template(template, form=form, **context), status


def code_log_in(
    form: CodeForm,
    template: str,
    open_with: Callable[[str], Found],
    enter: Callable[[Found], Response],
    not_found: str,
) -> Page:
    """The one way in with a code (a report's or a forum code): ``open_with`` finds what the code
    opens or raises :class:`CodeNotFound`, answered with 401 and the form; ``enter`` starts the
    session. The caller's decorators set the rate limit and the failure ceiling."""
    if form.validate_on_submit():
        try:
            found = open_with(form.code.data or "")
        except CodeNotFound:
            form.code.errors = [not_found]
            return form_page(template, form, status=401)
        return enter(found)
    return form_page(template, form)
