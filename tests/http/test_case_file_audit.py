"""What the audit log says of a case's files: a page with pictures is one "case read", its
previews are no downloads, and every real download (an attachment) is one."""

from __future__ import annotations

import html
import io
import re
from collections import Counter

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Attachment, User
from portal.security import previews
from tests.accounts import Account, AccountFactory, AuthActions, grant
from tests.moderation_helpers import case_html, events
from tests.reporting_helpers import only_report_id, report_and_get_code

PREVIEW_RE = re.compile(r'<img class="attachment-preview" src="([^"]+)"')


def _png(colour: tuple[int, int, int]) -> io.BytesIO:
    picture = io.BytesIO()
    Image.new("RGB", (20, 10), colour).save(picture, "PNG")
    picture.seek(0)
    return picture


def _case_with_files(app: Flask) -> tuple[int, list[int]]:
    """A report with two pictures and a text file; its number and the files' ids in that order."""
    files = [
        (_png((0, 90, 80)), "hot.png"),
        (_png((90, 0, 0)), "bil.png"),
        (io.BytesIO(b"Anteckning\n"), "a.txt"),
    ]
    report_and_get_code(app.test_client(), attachments=files)
    with Session(app.extensions["portal.engine"]) as db:
        ids = list(db.scalars(select(Attachment.id).order_by(Attachment.id)))
    return only_report_id(app), ids


def _counts(app: Flask, report_id: int) -> Counter[str]:
    return Counter(events(app, f"case:{report_id}"))


def test_a_case_page_with_pictures_is_one_read_and_no_download(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    report_id, (first, second, text) = _case_with_files(app)
    auth.login(admin)
    page = case_html(client, report_id)
    sources = [html.unescape(src) for src in PREVIEW_RE.findall(page)]
    assert len(sources) == 2 and all("preview=" in src and "inline" not in src for src in sources)
    for src in sources:
        shown = client.get(src)
        assert shown.status_code == 200 and shown.mimetype == "image/png"
        assert shown.headers["Content-Disposition"].startswith("inline")
        assert "sandbox" in shown.headers["Content-Security-Policy"]
    assert _counts(app, report_id) == {"case:report:viewed": 1}

    # The names in the list are real downloads: attachments, each one logged.
    for file_id in (first, text):
        taken = client.get(f"/moderation/cases/{report_id}/files/{file_id}")
        assert taken.status_code == 200
        assert taken.headers["Content-Disposition"].startswith("attachment")
    assert _counts(app, report_id) == {"case:report:viewed": 1, "case:file:downloaded": 2}

    # A second visit is a second read, again with no download for its pictures.
    for src in PREVIEW_RE.findall(case_html(client, report_id)):
        assert client.get(html.unescape(src)).status_code == 200
    assert _counts(app, report_id) == {"case:report:viewed": 2, "case:file:downloaded": 2}


def test_a_picture_without_its_own_permit_is_a_logged_download(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions, moderator: AccountFactory
) -> None:
    report_id, (first, second, text) = _case_with_files(app)
    auth.login(admin)
    page = case_html(client, report_id)
    first_src = html.unescape(PREVIEW_RE.findall(page)[0])
    permit = first_src.split("preview=")[1]
    base = f"/moderation/cases/{report_id}/files"
    attempts = [
        f"{base}/{first}?inline=1",  # the old way of asking for a preview
        f"{base}/{second}?preview={permit}",  # the first picture's permit on another file
        f"{base}/{first}?preview={permit[:-2]}xx",  # forged
    ]
    for url in attempts:
        taken = client.get(url)
        assert taken.status_code == 200
        assert taken.headers["Content-Disposition"].startswith("attachment"), url
    assert _counts(app, report_id) == {"case:report:viewed": 1, "case:file:downloaded": 3}

    # Another moderator with the admin's permit: their fetch is their download.
    mona = moderator("mona")
    grant(app, "mona", admin)
    other = app.test_client()
    assert AuthActions(other).login(mona).status_code == 302
    taken = other.get(first_src)
    assert taken.headers["Content-Disposition"].startswith("attachment")
    assert _counts(app, report_id)["case:file:downloaded"] == 4


def test_a_permit_for_a_file_that_is_no_picture_shows_nothing(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    report_id, (_first, _second, text) = _case_with_files(app)
    auth.login(admin)
    case_html(client, report_id)
    with Session(app.extensions["portal.engine"]) as db:
        admin_id = db.scalar(select(User.id).where(User.username == "admin"))
    assert admin_id is not None
    with app.test_request_context():
        permit = previews.permit(admin_id, report_id, text)
    refused = client.get(f"/moderation/cases/{report_id}/files/{text}?preview={permit}")
    assert refused.status_code == 404
    assert _counts(app, report_id) == {"case:report:viewed": 1}
