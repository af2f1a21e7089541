"""Long texts (issue 17): up to 100 000 characters are kept whole; a longer one is refused with its
length and comes back in the field, never cut (there is no ``maxlength`` for a browser to cut at)."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.accounts import Account, AuthActions
from tests.forum_helpers import SLUG, new_thread, posts
from tests.moderation_helpers import case_html
from tests.reporting_helpers import (
    case_page,
    only_report_id,
    open_with_code,
    reply,
    report_and_get_code,
    report_count,
    submit,
)

# Swedish, so most characters are two bytes in the request: ~200 KB for a full text.
SENTENCE = "Sökanden återkom på måndagen och sa att han visste var jag bor; chefen bad mig tiga. "


def text_of(length: int) -> str:
    text = (SENTENCE * (length // len(SENTENCE) + 1))[:length]
    assert len(text) == length
    return text


def test_a_description_of_100_000_characters_is_stored_whole(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    description = text_of(100_000)
    report_and_get_code(client, description=description)
    moderator = app.test_client()
    AuthActions(moderator).login(admin)
    page = case_html(moderator, only_report_id(app))
    assert f'<div class="text-block">{description}</div>' in page  # decrypted, to the last character


def test_a_line_break_counts_once_as_the_browser_shows_it(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    # The browser counts a line break once but sends it as CR LF: 96 000 characters as typed.
    description = "Hotet kom igen.\r\n" * 6_000
    assert len(description) == 102_000 and len(description.replace("\r\n", "\n")) == 96_000
    assert submit(client, description=description).status_code == 303


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("sv", "Texten är 100\xa0001 tecken lång; högst 100\xa0000 ryms. Korta den och skicka igen."),
        ("en", "The text is 100,001 characters long; at most 100,000 fit. Shorten it and send it again."),
    ],
)
def test_a_description_one_character_too_long_is_refused_and_kept(
    app: Flask, client: FlaskClient, admin: Account, lang: str, message: str
) -> None:
    client.get(f"/?lang={lang}")
    description = text_of(100_001)
    response = submit(client, description=description)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert f">\r\n{description}</textarea>" in page  # everything typed, in the field
    assert report_count(app) == 0


def test_a_reply_one_character_too_long_is_refused_and_kept(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    open_with_code(client, report_and_get_code(client))
    message = text_of(100_001)
    response = reply(client, message)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Texten är 100\xa0001 tecken lång; högst 100\xa0000 ryms." in page
    assert f">\r\n{message}</textarea>" in page
    assert "Inga meddelanden ännu" in case_page(client)
    assert reply(client, text_of(100_000)).status_code == 303


def test_no_field_has_a_maxlength_and_the_help_states_the_limit(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    form = client.get("/report").get_data(as_text=True)
    open_with_code(client, report_and_get_code(client))
    moderator = app.test_client()
    AuthActions(moderator).login(admin)
    pages = {
        "report": form,
        "reporter's case": case_page(client),
        "moderator's case": case_html(moderator, only_report_id(app)),
    }
    for name, page in pages.items():
        textareas = re.findall(r"<textarea[^>]*>", page)
        assert textareas and not [t for t in textareas if "maxlength" in t], name
        assert "Högst 100\xa0000 tecken." in page, name


@pytest.mark.usefixtures("forum_boards")
def test_a_forum_post_of_100_000_characters_is_kept_whole(app: Flask, client: FlaskClient) -> None:
    form = client.get(f"/forum/{SLUG}/new").get_data(as_text=True)
    assert re.search(r"<textarea[^>]*>", form) and not re.search(r"<textarea[^>]*maxlength", form)
    assert "Högst 100\xa0000 tecken." in form
    refused = new_thread(client, "Om tystnaden", text_of(100_001), action="send")
    assert refused.status_code == 400 and not posts(app)
    body = text_of(100_000)
    assert new_thread(client, "Om tystnaden", body, action="send").status_code == 303
    assert [p.body for p in posts(app)] == [body]
