"""Documents through the form, as a reporter sends them and a moderator downloads them.

The reporter is told before choosing a file what cleaning does, and after sending exactly what was
removed; the moderator's download is inspected byte by byte for what the reporter's computer put
in the file.
"""

from __future__ import annotations

import html
import io
import re
import zipfile

import docx
import pikepdf
from docx.shared import Cm
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from reportlab.pdfgen import canvas

from tests.accounts import Account, AuthActions
from tests.moderation_helpers import case_html
from tests.reporting_helpers import (
    DESCRIPTION,
    case_page,
    only_report_id,
    open_with_code,
    receipt_code,
    report_count,
    submit,
)

AUTHOR = "Anna Handlaggare"
GPS_IFD = 0x8825
ARTIST = 0x013B


def _photo() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[ARTIST] = AUTHOR
    exif[GPS_IFD] = {1: "N", 2: (59.0, 19.0, 48.0), 3: "E", 4: (18.0, 4.0, 12.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def _word_file() -> bytes:
    """A letter with its author in the properties and a phone photo (with GPS) pasted in."""
    document = docx.Document()
    document.core_properties.author = AUTHOR
    document.core_properties.last_modified_by = AUTHOR
    document.add_paragraph("Han sa att han visste var jag bor.")
    document.add_picture(io.BytesIO(_photo()), width=Cm(3))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _pdf_that_acts() -> bytes:
    """A one-page letter that runs JavaScript when opened and carries its author."""
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.setAuthor(AUTHOR)
    page.drawString(72, 720, "Beslutet ska ändras, annars händer något.")
    page.save()
    pdf = pikepdf.open(io.BytesIO(out.getvalue()))
    pdf.Root.OpenAction = pdf.make_indirect(
        pikepdf.Dictionary(
            S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.launchURL('https://x.invalid');")
        )
    )
    result = io.BytesIO()
    pdf.save(result)
    return result.getvalue()


def _moderator_downloads(app: Flask, admin: Account) -> list[bytes]:
    moderator = app.test_client()
    assert AuthActions(moderator).login(admin).status_code == 302
    report_id = only_report_id(app)
    html = case_html(moderator, report_id)
    links = re.findall(rf'href="(/moderation/cases/{report_id}/files/\d+)"', html)
    assert links, "no download link on the case page"
    return [moderator.get(link).get_data() for link in links]


def test_the_form_says_what_cleaning_does_before_a_file_is_chosen(
    client: FlaskClient, admin: Account
) -> None:
    page = client.get("/report?lang=en").get_data(as_text=True)
    assert "comments, tracked changes (deleted text is dropped, additions are kept)" in page
    assert "A cleaned file no longer proves where it came from: keep the original yourself" in page
    swedish = client.get("/report?lang=sv").get_data(as_text=True)
    assert "behåll originalet själv" in swedish


def test_the_form_states_the_limits_the_portal_enforces(client: FlaskClient, admin: Account) -> None:
    # The numbers come from portal/cases/uploads/limits.py, as in the refusal messages.
    page = client.get("/report?lang=en").get_data(as_text=True)
    assert "Up to 5 files of at most 10 MB each" in page
    swedish = client.get("/report?lang=sv").get_data(as_text=True)
    assert "Upp till 5 filer på högst 10 MB var" in swedish


def test_a_word_file_reaches_the_moderator_without_author_or_photo_location(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    original = _word_file()
    assert AUTHOR.encode() in b"".join(
        zipfile.ZipFile(io.BytesIO(original)).read(n)
        for n in zipfile.ZipFile(io.BytesIO(original)).namelist()
    )
    response = submit(client, attachments=[(io.BytesIO(original), "brev.docx")])
    assert response.status_code == 303

    # The receipt says what was removed from the file, in the reporter's language.
    receipt = client.get("/report/receipt?lang=en").get_data(as_text=True)
    assert "What arrived" in receipt and "brev.docx" in receipt
    assert "document properties (author, organisation, dates, editing time)" in receipt
    assert "location and camera data of pictures inside the document" in receipt
    code = receipt_code(client)

    (stored,) = _moderator_downloads(app, admin)
    with zipfile.ZipFile(io.BytesIO(stored)) as archive:
        everything = b"".join(archive.read(n) for n in archive.namelist())
        pictures = [n for n in archive.namelist() if n.startswith("word/media/")]
        assert pictures
        for name in pictures:
            picture = Image.open(io.BytesIO(archive.read(name)))
            assert picture.size == (64, 48) and not picture.getexif()
    assert AUTHOR.encode() not in everything and b"Exif" not in everything
    assert "Han sa att han visste var jag bor." in "\n".join(
        p.text for p in docx.Document(io.BytesIO(stored)).paragraphs
    )

    # The reporter's case page says it too, file by file (the language chosen above is kept).
    open_with_code(client, code)
    assert "location and camera data of pictures inside the document" in case_page(client)


def test_a_pdf_that_runs_javascript_reaches_the_moderator_inert(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    original = _pdf_that_acts()
    assert b"/JavaScript" in original and AUTHOR.encode() in original
    response = submit(client, attachments=[(io.BytesIO(original), "beslut.pdf")])
    assert response.status_code == 303
    receipt = client.get("/report/receipt?lang=en").get_data(as_text=True)
    assert "scripts and actions that run when the file is opened" in receipt

    (stored,) = _moderator_downloads(app, admin)
    assert b"/JavaScript" not in stored and b"/OpenAction" not in stored
    assert AUTHOR.encode() not in stored
    with pikepdf.open(io.BytesIO(stored)) as pdf:
        assert len(pdf.pages) == 1
        assert "/OpenAction" not in pdf.Root and "/Author" not in pdf.docinfo


def test_a_file_that_cannot_be_cleaned_is_refused_and_the_account_is_kept(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    # A part with a DTD is refused (libxml2 would open the file it names): the file cannot be
    # cleaned, so nothing is stored, and the reporter's text must come back in the form.
    original = _word_file()
    with zipfile.ZipFile(io.BytesIO(original)) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    parts["word/settings.xml"] = b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "/dev/zero"><x/>'
    hostile = io.BytesIO()
    with zipfile.ZipFile(hostile, "w") as target:
        for name, content in parts.items():
            target.writestr(name, content)
    response = submit(client, attachments=[(io.BytesIO(hostile.getvalue()), "brev.docx")])
    # Werkzeug's test client spools multipart bodies to a temporary file it never closes.
    response.request.environ["wsgi.input"].close()
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "En fil kunde inte rensas från det som kan peka ut dig, så den skickades inte." in page
    assert html.escape(DESCRIPTION) in page
    assert report_count(app) == 0
