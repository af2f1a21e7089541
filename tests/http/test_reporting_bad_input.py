"""Bad input on the report and follow-up forms: a clear message, no 500, nothing stored."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.accounts import Account
from tests.csrf import get_csrf
from tests.reporting_helpers import (
    DESCRIPTION,
    case_page,
    open_with_code,
    reply,
    report_and_get_code,
    report_count,
    submit,
)

CASES = [
    ({"description": ""}, "Skriv något"),
    ({"description": "kort"}, "Skriv minst 10 tecken."),
    ({"description": "x" * 100_001}, "Texten är 100\xa0001 tecken lång; högst 100\xa0000 ryms."),
    ({"description": "y" * 1_000_000}, "Texten är 1\xa0000\xa0000 tecken lång; högst 100\xa0000 ryms."),
    ({"category": "aliens"}, "giltigt"),
    ({"kind": "unknown"}, "giltigt"),
    ({"area": "<script>"}, "giltigt"),
    ({"description": DESCRIPTION + "\x00"}, "ogiltiga tecken"),
    ({"website": "http://spam.example"}, "Lämna tomt"),
]


@pytest.mark.parametrize(("fields", "message"), CASES)
def test_bad_report_is_refused_with_a_message(
    app: Flask, client: FlaskClient, admin: Account, fields: dict[str, str], message: str
) -> None:
    response = submit(client, **fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert report_count(app) == 0


def test_messages_in_english(app: Flask, client: FlaskClient, admin: Account) -> None:
    client.get("/?lang=en")
    response = submit(client, description="")
    assert "Please write something" in response.get_data(as_text=True)


def test_missing_csrf_is_refused(app: Flask, client: FlaskClient, admin: Account) -> None:
    response = client.post("/report", data={"kind": "influence", "description": DESCRIPTION})
    assert response.status_code == 400
    assert report_count(app) == 0


def test_broken_multipart_is_a_400(app: Flask, client: FlaskClient, admin: Account) -> None:
    body = b'--xyz\r\nContent-Disposition: form-data; name="description"\r\n\r\nabc'  # never terminated
    response = client.post("/report", data=body, content_type="multipart/form-data; boundary=xyz")
    assert response.status_code == 400
    assert report_count(app) == 0


def test_too_many_files_refuses_everything(app: Flask, client: FlaskClient, admin: Account) -> None:
    files = [(io.BytesIO("Anteckningar om vad som hände.\n".encode()), f"note{i}.txt") for i in range(6)]
    response = submit(client, attachments=files)
    assert response.status_code == 400
    assert "högst 5 filer" in response.get_data(as_text=True)
    assert report_count(app) == 0


def test_oversized_file_refuses_everything(app: Flask, client: FlaskClient, admin: Account) -> None:
    big = io.BytesIO(b"a" * (10 * 1024 * 1024 + 1))
    response = submit(client, attachments=[(big, "big.txt")])
    # Werkzeug's test client spools big multipart bodies to a temporary file it never closes.
    response.request.environ["wsgi.input"].close()
    assert response.status_code == 400
    assert "större än 10 MB" in response.get_data(as_text=True)
    assert report_count(app) == 0


def test_disguised_file_refuses_everything(app: Flask, client: FlaskClient, admin: Account) -> None:
    fake = io.BytesIO(b"\x7fELF\x02\x01\x01" + b"\x00" * 100)
    response = submit(client, attachments=[(fake, "photo.jpg")])
    assert response.status_code == 400
    assert report_count(app) == 0


def test_bad_reply_keeps_the_page_and_stores_nothing(app: Flask, client: FlaskClient, admin: Account) -> None:
    open_with_code(client, report_and_get_code(client))
    for text in ["", "kort", "z" * 100_001, "hej\x00hopp och lite till"]:
        assert reply(client, text).status_code == 400
    assert "Inga meddelanden ännu" in case_page(client)


BLANK_REPLY = " \n" * 8  # long enough for the length check, and says nothing


def test_files_with_a_reply_of_no_words_are_added_without_an_empty_message(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    # Refusing words alone is tests/http/test_reporter_pages.py's: here the files go alone.
    open_with_code(client, report_and_get_code(client))
    files = {"attachments": [(io.BytesIO("Vad jag hörde i korridoren.".encode()), "minnen.txt")]}
    response = reply(client, BLANK_REPLY, **files)
    response.request.environ["wsgi.input"].close()  # the test client's spooled multipart body
    assert response.status_code == 303
    page = case_page(client)
    assert "minnen.txt" in page
    assert "Inga meddelanden ännu" in page  # no message of spaces was stored


def test_empty_code_is_refused(client: FlaskClient, admin: Account) -> None:
    response = client.post("/followup", data={"code": "", "csrf_token": get_csrf(client, "/followup")})
    assert response.status_code == 400
    assert "Ange din kod" in response.get_data(as_text=True)
