"""The reporter's receipt and case page as the reporter reads them (issue 17, items 6 and 7):
what arrived, the answers they gave, one place to add files, no empty notice, and "1 new
message" that leads to it. Texts are asserted as the reporter reads them, in Swedish and English."""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.accounts import Account
from tests.csrf import csrf_from, get_csrf
from tests.http.test_reporting_files import _jpeg_with_location
from tests.reporting_helpers import (
    case_page,
    moderator_answers,
    only_report_id,
    open_with_code,
    reply,
    report_and_get_code,
    submit,
)
from tests.stored_bytes import sqlite_bytes

NOTES = "Vad chefen sa i korridoren, nedskrivet samma dag.\n"


def _files() -> list[tuple[io.BytesIO, str]]:
    return [
        (io.BytesIO(_jpeg_with_location()), "IMG_2041.JPG"),
        (io.BytesIO(NOTES.encode() * 60), "anteckningar.txt"),
    ]


def _main(page: str) -> str:
    return page[page.index("<main") : page.index("</main>")]


def _text(html: str) -> str:
    """The words as read: tags dropped, white space collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# ------------------------------------------------------------------------------- the receipt


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        (
            "sv",
            [
                "Det här kom fram",
                "Din anmälan och 2 filer kom fram.",
                "IMG_2041.jpg (mindre än 1 kB): borttaget: plats, kamera och andra uppgifter som sparats i bilden",
                "anteckningar.txt (3 kB): inget att ta bort hittades",
            ],
        ),
        (
            "en",
            [
                "What arrived",
                "Your report and 2 files arrived.",
                "IMG_2041.jpg (less than 1 kB): removed: location, camera and other data stored in the picture",
                "anteckningar.txt (3 kB): nothing to remove was found",
            ],
        ),
    ],
)
def test_the_receipt_names_each_file_that_arrived_and_what_was_removed(
    app: Flask, client: FlaskClient, admin: Account, lang: str, said: list[str]
) -> None:
    client.get(f"/?lang={lang}")
    assert submit(client, attachments=_files()).status_code == 303
    receipt = _text(_main(client.get("/report/receipt").get_data(as_text=True)))
    for words in said:
        assert words in receipt, receipt
    # Shown once: after "Done" nothing of it is shown again, nor kept for the receipt.
    done = client.post(
        "/report/receipt", data={"csrf_token": get_csrf(client, "/report/receipt"), "stored": "y"}
    )
    assert done.status_code == 303
    assert client.get("/report/receipt").status_code == 302


def test_the_receipt_of_a_report_without_files_says_so(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    assert submit(client).status_code == 303
    receipt = _text(client.get("/report/receipt").get_data(as_text=True))
    assert "Din anmälan kom fram, utan filer. Du kan lägga till filer senare, med din kod." in receipt


def test_a_new_code_receipt_lists_no_files(app: Flask, client: FlaskClient, admin: Account) -> None:
    open_with_code(client, report_and_get_code(client, attachments=_files()))
    token = csrf_from(case_page(client))
    assert client.post("/followup/code", data={"csrf_token": token, "confirm": "y"}).status_code == 303
    receipt = client.get("/report/receipt").get_data(as_text=True)
    assert "Din nya kod" in receipt and "Det här kom fram" not in receipt and "IMG_2041" not in receipt


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_receipt_stores_no_file_name_in_plain_text(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    # The summary lives in the encrypted session beside the code: neither the session table nor
    # any other row or page of the database file holds a file's name readable.
    name = "Kvitto-Kanariefagel-7Q.txt"
    assert submit(client, attachments=[(io.BytesIO(NOTES.encode()), name)]).status_code == 303
    assert name in client.get("/report/receipt").get_data(as_text=True)
    stored = sqlite_bytes(app)
    assert stored, "no database bytes were read"
    assert all(name.encode() not in content for content in stored.values())


# ------------------------------------------------------------------------------- the case page


def test_the_case_page_shows_the_answers_the_reporter_gave(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    code = report_and_get_code(client, happened="this_week", exerted_by="")
    open_with_code(client, code)
    page = _text(_main(case_page(client)))
    assert (
        "Vad vill du anmäla? Otillåten påverkan som jag har utsatts för "
        "Vilken sorts påverkan? Hot "
        "Verksamhetsområde Försörjningsstöd "
        "Ungefär när? Den här veckan "
        "Vem stod för påverkan? Jag vill inte svara"
    ) in page
    client.get("/followup/case?lang=en")
    english = _text(_main(case_page(client)))
    assert "What kind of influence? Threats Area of work Income support" in english
    assert "Roughly when? This week Who exerted it? I would rather not say" in english


def test_the_first_visit_shows_no_empty_notice(app: Flask, client: FlaskClient, admin: Account) -> None:
    open_with_code(client, report_and_get_code(client))
    page = case_page(client)
    assert 'class="notice"' not in page and 'role="status"' not in page


def test_a_second_visit_says_when_the_code_was_last_used(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    code = report_and_get_code(client)
    open_with_code(client, code)
    case_page(client)
    open_with_code(client, code)
    page = case_page(client)
    assert '<div class="notice" role="status">' in page and "Inget nytt sedan ditt senaste besök." in page


def test_new_messages_link_to_the_first_new_one(app: Flask, client: FlaskClient, admin: Account) -> None:
    code = report_and_get_code(client)
    report_id = only_report_id(app)
    moderator_answers(app, admin, report_id, "Tack, vi har läst din anmälan.")  # entry 1
    open_with_code(client, code)
    page = case_page(client)
    assert '<a href="#entry-1">Du har 1 nytt meddelande sedan ditt senaste besök.</a>' in page
    assert 'id="entry-1"' in page
    open_with_code(client, code)  # nothing new now: neither the link nor the mark
    page = case_page(client)
    assert "#entry-" not in page and "Nytt meddelande" not in page


def test_two_new_messages_lead_to_the_first_of_them(app: Flask, client: FlaskClient, admin: Account) -> None:
    code = report_and_get_code(client)
    report_id = only_report_id(app)
    moderator_answers(app, admin, report_id, "Tack, vi har läst din anmälan.")  # entry 1
    open_with_code(client, code)
    case_page(client)
    assert reply(client, "Tack för svaret, det hände igen i går.").status_code == 303  # entry 2
    moderator_answers(app, admin, report_id, "Vill du berätta mer om i går?")  # entry 3
    moderator_answers(app, admin, report_id, "Vi kan också ses, om du vill.")  # entry 4
    client.get("/?lang=en")
    open_with_code(client, code)
    page = case_page(client)
    assert '<a href="#entry-3">You have 2 new messages since your last visit.</a>' in page
    entries = re.findall(r'id="entry-(\d+)">\s*<p class="entry-meta">([^\n]*)', page)
    marked = [seq for seq, meta in entries if "New message" in meta]
    assert marked == ["3", "4"]


def test_the_case_page_has_one_place_to_add_files(app: Flask, client: FlaskClient, admin: Account) -> None:
    open_with_code(client, report_and_get_code(client))
    page = case_page(client)
    assert page.count('type="file"') == 1
    assert "Skriv till moderatorerna eller lägg till filer" in page
    assert "Bara moderatorerna kan läsa det. Lämna det tomt om du bara vill skicka filer." in page
    assert "/followup/files" not in page


def test_files_without_a_message_are_added_to_the_report(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    open_with_code(client, report_and_get_code(client))
    sent = reply(client, "", attachments=[(io.BytesIO(NOTES.encode()), "fler-anteckningar.txt")])
    sent.request.environ["wsgi.input"].close()  # the test client's spooled multipart body
    assert sent.status_code == 303
    page = client.get("/followup/case").get_data(as_text=True)
    assert "Dina filer har lagts till." in page
    files = page[page.index("Dina filer</h3>") : page.index('id="dialogue-heading"')]
    assert "fler-anteckningar.txt" in files
    assert "Inga meddelanden ännu." in page  # no empty message was stored


def test_a_message_with_files_carries_them(app: Flask, client: FlaskClient, admin: Account) -> None:
    open_with_code(client, report_and_get_code(client))
    sent = reply(
        client, "Här är det jag skrev ner.", attachments=[(io.BytesIO(NOTES.encode()), "samma-dag.txt")]
    )
    sent.request.environ["wsgi.input"].close()
    assert sent.status_code == 303
    page = case_page(client)
    dialogue = page[page.index('<ol class="dialogue">') :]
    assert "Här är det jag skrev ner." in dialogue and "samma-dag.txt" in dialogue


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [
        (
            "sv",
            "Skriv ett meddelande, eller välj filer för att skicka dem utan meddelande. "
            "Bara mellanslag och radbrytningar skickas inte.",
        ),
        (
            "en",
            "Write a message, or choose files to send without one. Spaces and line breaks alone are not sent.",
        ),
    ],
)
@pytest.mark.parametrize("typed", ["", " \n" * 8])
def test_neither_words_nor_files_is_refused_with_one_sentence(
    app: Flask, client: FlaskClient, admin: Account, lang: str, sentence: str, typed: str
) -> None:
    open_with_code(client, report_and_get_code(client))
    client.get(f"/followup/case?lang={lang}")
    refused = reply(client, typed)
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert sentence in page
    assert f">\r\n{typed}</textarea>" in page  # what was typed comes back
    assert 'name="message" required' not in page and "required" not in page.split('id="message"')[1][:80]
