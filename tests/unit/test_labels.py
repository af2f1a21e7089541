"""Every enum member shown to a user has its own words, even when two enums share a value."""

from __future__ import annotations

from flask import Flask

from portal.domain import LABELS, Area, Category, ExertedBy, Kind, Outcome, Status, Support, When


def test_members_with_the_same_value_keep_their_own_words(app: Flask) -> None:
    with app.test_request_context("/?lang=en"):
        words = {str(LABELS[member]) for member in (Category.OTHER, Area.OTHER, ExertedBy.OTHER)}
    assert words == {"Something else", "Other area", "Someone else"}


def test_every_member_of_the_report_vocabulary_has_words() -> None:
    for enum_type in (Kind, Category, Area, When, ExertedBy, Support, Status, Outcome):
        for member in enum_type:
            assert LABELS[member], member
