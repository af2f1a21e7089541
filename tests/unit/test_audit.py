"""The audit taxonomy as objects: each event knows its area, subject and action, and its words.

The stored names and subjects are written out here as literal strings: they are what years of
audit log rows hold, so a change in the code must not change them.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts import service as accounts
from portal.audit import Event
from portal.config import Config
from portal.forum import moderation
from portal.forum.models import Board, Moderation, WordAction
from portal.forum.service import seed_default_boards
from portal.models import AuditEvent, Role
from tests.accounts import PASSWORD


def test_an_event_is_found_by_its_stored_name_and_knows_its_parts() -> None:
    event = Event("case:message:sent")
    assert event is Event.CASE_MESSAGE_SENT
    assert (event.area, event.subject_kind, event.action) == ("case", "message", "sent")
    assert str(event) == "case:message:sent"
    assert (Event.FORUM_THREAD_LOCKED.area, Event.FORUM_THREAD_LOCKED.subject_kind) == ("forum", "thread")
    assert Event.USER_KEY_GRANTED.action == "granted"


def test_every_event_has_three_parts_and_words_in_both_languages(app: Flask) -> None:
    for event in Event:
        parts = event.value.split(":")
        assert len(parts) == 3 and all(parts), event.value
        assert (event.area, event.subject_kind, event.action) == tuple(parts)
        for language in ("sv", "en"):
            with app.test_request_context(f"/?lang={language}"):
                assert str(event.label).strip(), (event.value, language)


def test_a_label_is_rendered_in_swedish_and_in_english(app: Flask) -> None:
    with app.test_request_context("/?lang=sv"):
        swedish = str(Event.CASE_MESSAGE_SENT.label)
    with app.test_request_context("/?lang=en"):
        english = str(Event.CASE_MESSAGE_SENT.label)
    assert (swedish, english) == ("Meddelande skickat till anmälaren", "Message sent to the reporter")


def test_the_audit_log_filters_by_the_areas_of_the_taxonomy() -> None:
    from portal.moderation.admin.audit_log import areas

    assert areas() == [
        "admin",
        "auth",
        "case",
        "forum",
        "notify",
        "operator",
        "retention",
        "setup",
        "stats",
        "user",
    ]


def _rows(db: Session) -> list[tuple[str, str | None]]:
    return [(e.event, e.subject) for e in db.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_a_user_event_is_stored_with_the_subject_user_and_id(app: Flask, config: Config) -> None:
    with app.app_context(), Session(app.extensions["portal.engine"]) as db:
        admin = accounts.create_user(db, "admin", Role.ADMIN, PASSWORD, config).user
        mo = accounts.create_user(db, "mo", Role.MODERATOR, PASSWORD, config, actor=admin).user
        accounts.disable(db, mo, admin)
        db.commit()
        assert _rows(db) == [
            ("setup:admin:created", f"user:{admin.id}"),
            ("user:account:created", f"user:{admin.id}"),
            ("user:account:created", f"user:{mo.id}"),
            ("user:account:disabled", f"user:{mo.id}"),
        ]


def test_forum_settings_events_keep_their_subjects(app: Flask) -> None:
    with app.app_context(), Session(app.extensions["portal.engine"]) as db:
        seed_default_boards(db)
        board = db.scalars(select(Board).order_by(Board.id)).first()
        assert board is not None
        moderation.update_board(db, board.id, None, {}, Moderation.PRE, 0)
        moderation.add_word(db, "namn", WordAction.REVIEW, None)
        moderation.set_gate(db, None, None)
        db.commit()
        assert _rows(db) == [
            ("forum:board:changed", f"forum:board:{board.id}"),
            ("forum:word:changed", "forum:words"),
            ("forum:gate:changed", "forum:gate"),
        ]


def test_the_audit_logs_event_filter_shows_the_words_grouped_by_area(app: Flask) -> None:
    from portal.moderation.admin.forms import AuditFilterForm

    with app.test_request_context("/moderation/audit?lang=sv"):
        form = AuditFilterForm()
        form.set_choices(["case"], [])
        options = {choice.value: (choice.optgroup, choice.label) for choice in form.event.choices}
    assert options["case:message:sent"] == ("Ärenden", "Meddelande skickat till anmälaren")
