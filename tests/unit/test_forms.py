"""Reading a choice from a request: the query string forgives, a form refuses (portal/forms.py)."""

from __future__ import annotations

from flask import Flask
from werkzeug.datastructures import MultiDict

from portal.domain import Category
from portal.forms import parse_enum
from portal.moderation.cases.forms import ClassifyForm


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
