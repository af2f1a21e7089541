"""What a view returns, and the one way a form page answers."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

Page = str | Response | tuple[str, int]


def form_page(template: str, form: FlaskForm, status: int | None = None, **context: Any) -> tuple[str, int]:
    """Render a form page: 200 when shown, 400 when a submission was refused (nothing changed)."""
    if status is None:
        status = 400 if form.is_submitted() else 200
    return render_template(template, form=form, **context), status
