"""Reading a choice from a request: the query string forgives, a form refuses (portal/forms.py);
and every portal form takes the session-less CSRF token."""

from __future__ import annotations

import importlib
import pkgutil

from flask import Flask
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

import portal
from portal.domain import Category
from portal.forms import Form, parse_enum
from portal.moderation.cases.forms import ClassifyForm
from portal.security.csrf import FormCSRF


def test_parse_enum_reads_a_value_and_forgives_anything_else() -> None:
    assert parse_enum(Category, "threats") is Category.THREATS
    assert parse_enum(Category, "") is None
    assert parse_enum(Category, None) is None
    assert parse_enum(Category, "aliens") is None


def _posted(app: Flask, category: str) -> ClassifyForm:
    """A form whose category field carries ``enum_choice`` (as every choice field over a vocabulary)."""
    with app.test_request_context("/?lang=en", method="POST"):
        form = ClassifyForm(formdata=MultiDict({"category": category}), meta={"csrf": False})
        form.validate()
        return form


def test_a_choice_field_hands_the_service_a_member_or_none(app: Flask) -> None:
    assert _posted(app, "threats").category.data is Category.THREATS
    assert _posted(app, "").category.data is None


def test_a_choice_field_refuses_an_unknown_value_as_not_a_valid_choice(app: Flask) -> None:
    assert _posted(app, "aliens").category.errors == ["Not a valid choice."]


def test_every_portal_form_takes_the_session_less_csrf_token() -> None:
    """A plain FlaskForm keeps Flask-WTF's CSRF secret in the session: every visitor who opened
    its page would get a server-side session, dated (DESIGN.md §3; security/csrf.py)."""
    for module in pkgutil.walk_packages(portal.__path__, "portal."):
        importlib.import_module(module.name)
    pending, plain = list(FlaskForm.__subclasses__()), []
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        if cls.__module__.startswith("portal.") and not issubclass(cls, Form):
            plain.append(f"{cls.__module__}.{cls.__qualname__}")
    assert not plain
    assert Form.Meta.csrf_class is FormCSRF
