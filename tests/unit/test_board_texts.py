"""Board names are data: one text per language, a field per language, and a fallback."""

from __future__ import annotations

from flask import Flask

from portal.forum.models import Board
from portal.i18n import LANGUAGES
from portal.moderation.forum.forms import BoardForm


def test_a_missing_language_falls_back_to_swedish_then_to_any() -> None:
    board = Board(slug="hot")
    board.set_text("en", "Threats", "About threats")
    assert (board.name("sv"), board.description("sv")) == ("Threats", "About threats")
    board.set_text("sv", "Hot", "Om hot")
    assert (board.name("de"), board.description("de")) == ("Hot", "Om hot")
    assert board.name("en") == "Threats"
    board.set_text("en", "Threats and harassment")  # a new name keeps the description
    assert (board.name("en"), board.description("en")) == ("Threats and harassment", "About threats")
    assert board.names() == {"sv": "Hot", "en": "Threats and harassment"}
    assert Board(slug="empty").name("sv") == ""


def test_the_board_form_has_a_name_field_per_language_first(app: Flask) -> None:
    with app.test_request_context():
        form = BoardForm(prefix="board7", meta={"csrf": False})
        assert [field.id for field in form.name_fields()] == [f"board7-name_{code}" for code in LANGUAGES]
        assert list(form._fields) == [f"name_{code}" for code in LANGUAGES] + [
            "moderation",
            "slow_mode_seconds",
        ]
