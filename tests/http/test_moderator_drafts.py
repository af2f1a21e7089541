"""A moderator's message or note survives a new log-in (issue 17, item 1): carried through the
log-in form sealed, never written to the server, and back in its field on the case page."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.cases.models import Message
from tests.accounts import Account, AuthActions
from tests.csrf import csrf_from
from tests.moderation_helpers import case_html
from tests.reporting_helpers import only_report_id, report_and_get_code
from tests.stored_bytes import needles, where_found

MODERATOR_IDLE = 30 * 60  # seconds
MESSAGE = "Tack för din anmälan. Vi har talat med enhetschefen och återkommer inom en vecka."
NOTE = "Ringde HR 10.15; de kände till händelsen sedan tidigare."
TABLES = ("server_sessions", "audit_events", "messages", "reports")
DRAFT = re.compile(r'<input id="draft" name="draft" type="hidden" value="([^"]+)"')


@pytest.fixture
def client(client: FlaskClient) -> FlaskClient:
    client.set_cookie("lang", "en")
    return client


def _messages(app: Flask) -> int:
    with Session(app.extensions["portal.engine"]) as db:
        return int(db.scalar(select(func.count()).select_from(Message)) or 0)


def _stored_anywhere(app: Flask, text: str) -> bool:
    """Is ``text`` in the database's bytes (SQLite: its files; PostgreSQL: the tables' tuples)?"""
    return bool(where_found(app, needles({"text": text.encode()}), TABLES))


def _ended(
    client: FlaskClient, app: Flask, auth: AuthActions, admin: Account, monkeypatch: Any
) -> tuple[int, str]:
    report_and_get_code(app.test_client())
    report_id = only_report_id(app)
    assert auth.login(admin).status_code == 302
    token = csrf_from(case_html(client, report_id))
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + MODERATOR_IDLE + 60)
    return report_id, token


@pytest.mark.parametrize(("path", "field", "text"), [("message", "message", MESSAGE), ("note", "note", NOTE)])
def test_a_message_or_note_written_while_the_session_ran_out_survives_the_new_log_in(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    admin: Account,
    monkeypatch: Any,
    path: str,
    field: str,
    text: str,
) -> None:
    report_id, token = _ended(client, app, auth, admin, monkeypatch)
    before = _messages(app)
    refused = client.post(f"/moderation/cases/{report_id}/{path}", data={field: text, "csrf_token": token})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 403
    assert "Your session has ended. Log in again: what you wrote is kept and comes back in the case." in page
    sealed = DRAFT.search(page)
    assert sealed and text not in page  # carried sealed, not as text
    monkeypatch.undo()  # back to the clock that TOTP codes are checked against
    assert _messages(app) == before and not _stored_anywhere(app, text)

    wrong = client.post(
        "/moderation/login",
        data={
            "username": admin.username,
            "password": "not the password",
            "totp": "000000",
            "draft": sealed.group(1),
            "csrf_token": csrf_from(page),
        },
    )
    assert wrong.status_code == 401 and DRAFT.search(wrong.get_data(as_text=True))  # still carried

    logged_in = auth.login(admin, draft=sealed.group(1))
    assert logged_in.status_code == 200
    resume = logged_in.get_data(as_text=True)
    assert f"What you wrote in case {report_id} is kept." in resume
    back = client.post(
        f"/moderation/cases/{report_id}/draft",
        data={"draft": sealed.group(1), "csrf_token": csrf_from(resume)},
    )
    assert back.status_code == 200
    case = back.get_data(as_text=True)
    assert text in case and "What you wrote is back in its field below. Check it and send it." in case
    assert _messages(app) == before  # prefilled, not sent: the moderator checks it first
    assert not _stored_anywhere(app, text)


def test_a_forged_or_another_cases_draft_is_refused(
    app: Flask, client: FlaskClient, auth: AuthActions, admin: Account, monkeypatch: Any
) -> None:
    report_id, token = _ended(client, app, auth, admin, monkeypatch)
    report_and_get_code(app.test_client(), description="En annan anmälan om hot i receptionen.")
    refused = client.post(f"/moderation/cases/{report_id}/note", data={"note": NOTE, "csrf_token": token})
    sealed = DRAFT.search(refused.get_data(as_text=True))
    assert sealed
    monkeypatch.undo()
    logged_in = auth.login(admin, draft=sealed.group(1))
    assert logged_in.status_code == 200
    resume = logged_in.get_data(as_text=True)
    for url, draft in [
        (f"/moderation/cases/{report_id + 1}/draft", sealed.group(1)),  # another case's page
        (f"/moderation/cases/{report_id}/draft", sealed.group(1)[:-4] + "AAAA"),  # tampered
    ]:
        response = client.post(url, data={"draft": draft, "csrf_token": csrf_from(resume)})
        assert response.status_code == 400, url
    assert (
        client.post(
            f"/moderation/cases/{report_id + 2}/draft",
            data={"draft": sealed.group(1), "csrf_token": csrf_from(resume)},
        ).status_code
        == 404
    )  # no such case
