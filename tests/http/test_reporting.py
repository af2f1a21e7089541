"""The reporter's whole path over HTTP, in Swedish and English, without JavaScript."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.accounts import Account
from tests.csrf import csrf_from, get_csrf
from tests.reporting_helpers import (
    DESCRIPTION,
    case_page,
    moderator_answers,
    only_report_id,
    open_with_code,
    receipt_code,
    reply,
    report_and_get_code,
    report_count,
    submit,
)


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "sv",
            {
                "sent": "Din anmälan har skickats",
                "status": "Mottagen, ännu inte läst",
                "new": "1 nytt meddelande",
                "out": "Du är utloggad",
            },
        ),
        (
            "en",
            {
                "sent": "Your report has been sent",
                "status": "Received, not yet read",
                "new": "1 new message",
                "out": "You are logged out",
            },
        ),
    ],
)
def test_report_return_read_answer_and_reply(
    app: Flask, client: FlaskClient, admin: Account, lang: str, words: dict[str, str]
) -> None:
    client.get(f"/?lang={lang}")
    assert submit(client).status_code == 303
    receipt = client.get("/report/receipt")
    assert words["sent"] in receipt.get_data(as_text=True)
    assert receipt.headers["Cache-Control"] == "no-store"
    code = receipt_code(client)
    client.post("/report/receipt", data={"csrf_token": get_csrf(client, "/report/receipt"), "stored": "y"})
    assert client.get("/report/receipt").status_code == 302  # never shown again

    opened = open_with_code(client, "  " + code.lower().replace("-", " ") + " ")
    assert opened.status_code == 303 and opened.location.endswith("/followup/case")
    page = case_page(client)
    assert DESCRIPTION in page and words["status"] in page

    moderator_answers(app, admin, only_report_id(app), "Tack för att du berättade. Vill du ses?")
    out = client.post("/followup/logout", data={"csrf_token": csrf_from(page)}, follow_redirects=True)
    assert words["out"] in out.get_data(as_text=True)  # the message survives the session's end
    assert client.get("/followup/case").status_code == 302

    open_with_code(client, code)
    page = case_page(client)
    assert words["new"] in page
    assert "Tack för att du berättade" in page
    assert reply(client, "Ja, gärna på torsdag eftermiddag.").status_code == 303
    page = case_page(client)
    assert page.index("Tack för att du berättade") < page.index("Ja, gärna på torsdag")


def test_wrong_code_gets_a_calm_answer_and_no_session(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    report_and_get_code(client)
    for wrong in ["0000-0000-0000-0000", "short", "!!!!-????-####-$$$$", "A" * 10_000]:
        response = open_with_code(client, wrong)
        assert response.status_code in (400, 401), wrong[:20]
        assert "Vi hittade ingen anmälan" in response.get_data(as_text=True) or response.status_code == 400
    assert client.get("/followup/case").status_code == 302


def _replace_code(client: FlaskClient, **confirm: str) -> Any:
    return client.post("/followup/code", data={"csrf_token": csrf_from(case_page(client)), **confirm})


def test_replacing_the_code_unconfirmed_changes_nothing(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    old = report_and_get_code(client)
    open_with_code(client, old)
    assert "Ja, byt min kod. Jag skriver ner den nya; den gamla slutar fungera direkt." in case_page(client)
    refused = _replace_code(client)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Kryssa i rutan för att bekräfta att du vill ha en ny kod." in page
    assert "data-receipt-code" not in page
    assert client.get("/report/receipt").status_code == 302  # no new code waits to be shown
    assert open_with_code(app.test_client(), old).status_code == 303  # the old code still opens it


def test_replacing_the_code_retires_the_old_one(app: Flask, client: FlaskClient, admin: Account) -> None:
    old = report_and_get_code(client)
    open_with_code(client, old)
    response = _replace_code(client, confirm="y")
    assert response.status_code == 303 and response.headers["Location"] == "/report/receipt"
    receipt = client.get("/report/receipt")
    page = receipt.get_data(as_text=True)
    assert receipt.headers["Cache-Control"] == "no-store"
    assert "Din nya kod" in page and "Jag har skrivit ner eller sparat min kod" in page
    new = receipt_code(client)
    assert new != old
    client.post("/report/receipt", data={"csrf_token": get_csrf(client, "/report/receipt"), "stored": "y"})
    other = app.test_client()
    assert open_with_code(other, old).status_code == 401
    assert open_with_code(other, new).status_code == 303


def test_previous_use_is_shown_by_day(app: Flask, client: FlaskClient, admin: Account) -> None:
    from portal.domain import today

    code = report_and_get_code(client)
    open_with_code(client, code)
    assert "senast" not in case_page(client)  # first use: nothing to show
    open_with_code(app.test_client(), code)
    second = app.test_client()
    open_with_code(second, code)
    assert today().isoformat() in case_page(second)


def test_meeting_request_is_recorded(app: Flask, client: FlaskClient, admin: Account) -> None:
    open_with_code(client, report_and_get_code(client))
    client.post("/followup/meeting", data={"csrf_token": csrf_from(case_page(client))})
    assert "Möte begärt" in case_page(client)


def test_an_acknowledgement_is_wanted_unless_the_reporter_says_no(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from portal.models import Report

    yes = '<input checked id="wants_acknowledgement-0" name="wants_acknowledgement" type="radio" value="yes">'
    assert yes in client.get("/report").get_data(as_text=True)
    report_and_get_code(client)  # the question left out of the POST: the default, "yes"
    report_and_get_code(client, wants_acknowledgement="no")
    with Session(app.extensions["portal.engine"]) as db:
        assert list(db.scalars(select(Report.wants_acknowledgement).order_by(Report.id))) == [True, False]
    # A refused form comes back with the answer the reporter gave.
    refused = submit(client, wants_acknowledgement="no", description="")
    assert refused.status_code == 400
    no = '<input checked id="wants_acknowledgement-1" name="wants_acknowledgement" type="radio" value="no">'
    assert no in refused.get_data(as_text=True)


def test_reporter_session_reaches_only_its_own_case(app: Flask, admin: Account) -> None:
    alice, bob = app.test_client(), app.test_client()
    code_a = report_and_get_code(alice, description="Alice berättar om hot i telefon från en anhörig.")
    report_and_get_code(bob, description="Bob berättar om en muta som erbjöds vid tillståndsprövning.")
    open_with_code(alice, code_a)
    assert "Alice berättar" in case_page(alice) and "Bob berättar" not in case_page(alice)
    assert bob.get("/followup/case").status_code == 302  # Bob has not opened anything
    for url in ["/followup/meeting", "/followup/code"]:
        token = get_csrf(bob, "/followup")
        assert bob.post(url, data={"csrf_token": token}).status_code == 403, url
    # A reply without a case asks for a code (issue 17): it opens no case by itself.
    asked = bob.post("/followup/reply", data={"csrf_token": get_csrf(bob, "/followup")})
    assert asked.status_code == 400 and 'name="code"' in asked.get_data(as_text=True)
    assert "Alice berättar" not in asked.get_data(as_text=True)


def test_reporter_idle_timeout_is_20_minutes(
    app: Flask, client: FlaskClient, admin: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    open_with_code(client, report_and_get_code(client))
    assert client.get("/followup/case").status_code == 200
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 20 * 60 + 5)
    assert client.get("/followup/case").status_code == 302


def test_reporting_before_setup_is_unavailable(app: Flask, client: FlaskClient) -> None:
    response = submit(client)
    assert response.status_code == 503
    assert report_count(app) == 0


def test_landing_page_links_and_safety_advice(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    assert 'href="/report"' in page and 'href="/followup"' in page
    assert "Tor Browser" in page
