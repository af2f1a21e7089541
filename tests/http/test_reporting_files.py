"""Attachments through the form: metadata stripped, documents warned about, all or nothing."""

from __future__ import annotations

import io

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from tests.accounts import Account
from tests.reporting_helpers import (
    attachment_contents,
    case_page,
    open_with_code,
    report_and_get_code,
    report_count,
    submit,
)

GPS_IFD = 0x8825
ARTIST = 0x013B


def _jpeg_with_location() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[ARTIST] = "Anna Handlaggare"
    exif[GPS_IFD] = {1: "N", 2: (59.0, 19.0, 48.0), 3: "E", 4: (18.0, 4.0, 12.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_image_location_and_author_are_removed(app: Flask, client: FlaskClient, admin: Account) -> None:
    original = _jpeg_with_location()
    assert b"Exif" in original and b"Handlaggare" in original
    code = report_and_get_code(client, attachments=[(io.BytesIO(original), "IMG_2041.JPG")])
    (stored,) = attachment_contents(app, admin)
    assert b"Exif" not in stored and b"Handlaggare" not in stored
    reopened = Image.open(io.BytesIO(stored))
    assert reopened.size == (64, 48) and not reopened.getexif()
    open_with_code(client, code)
    assert "IMG_2041.jpg" in case_page(client)


def test_documents_are_kept_with_a_warning(app: Flask, client: FlaskClient, admin: Account) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Author": "Anna Handläggare"})
    pdf = io.BytesIO()
    writer.write(pdf)
    code = report_and_get_code(client, attachments=[(io.BytesIO(pdf.getvalue()), "beslut.pdf")])
    (stored,) = attachment_contents(app, admin)
    assert stored.startswith(b"%PDF") and "Handläggare".encode() not in stored
    open_with_code(client, code)
    page = case_page(client)
    assert "beslut.pdf" in page and ("namn" in page or "names" in page)


def test_one_bad_file_among_good_ones_stores_nothing(app: Flask, client: FlaskClient, admin: Account) -> None:
    good = io.BytesIO(_jpeg_with_location())
    bad = io.BytesIO(b"MZ\x90\x00" + b"\x00" * 64)
    response = submit(client, attachments=[(good, "ok.jpg"), (bad, "tool.exe")])
    assert response.status_code == 400
    assert report_count(app) == 0
