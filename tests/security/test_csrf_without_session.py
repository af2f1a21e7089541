"""CSRF without a session (portal/security/csrf.py): the token is bound to a cookie, not to rows.

Attacks: a forger who has a token of their own (taken from their own browser) posts it with the
victim's cookie, or posts it where the victim's browser sends no cookie (another site's form:
SameSite keeps the cookie off). Both are refused and change nothing. A genuine token that is only
old (a form left open for hours) is not an attack: the reporter gets the form back with what they
wrote and one sentence, and nothing is stored until they send it again.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.models import Report
from tests.accounts import Account
from tests.csrf import csrf_from, get_csrf
from tests.forum_helpers import SLUG

REFUSED = "The form has expired or was sent from elsewhere"
EXPIRED = "The form has expired. Send it again."
CSRF_COOKIE = "portal_csrf"
DESCRIPTION = "Min chef sa att jag skulle ändra beslutet, annars skulle det bli konsekvenser."
REPORT = {"kind": "influence", "category": "threats", "area": "income_support", "description": DESCRIPTION}
LONGEST_SESSION = 8 * 60 * 60  # seconds: no token lives longer


def _english(client: FlaskClient) -> FlaskClient:
    client.set_cookie("lang", "en")  # the assertions read the English texts
    return client


def _reports(app: Flask) -> int:
    with Session(app.extensions["portal.engine"]) as db:
        return int(db.scalar(select(func.count()).select_from(Report)) or 0)


def test_the_csrf_cookie_is_a_session_cookie_for_this_site_only(client: FlaskClient) -> None:
    response = client.get("/report")
    (header,) = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(CSRF_COOKIE + "=")]
    attributes = {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}
    assert "httponly" in attributes and "samesite=strict" in header.lower()
    assert not attributes & {"expires", "max-age"}, header  # gone when the browser closes


def test_a_token_from_another_browser_or_without_its_cookie_is_refused(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    """Refused, and nothing sent. Without our cookie (another site's form, or a browser that lost
    it) the report form comes back to the browser that posted it, unsent, with the text."""
    forger = _english(app.test_client())
    _english(client)
    forgers_token = get_csrf(forger, "/report")
    get_csrf(client, "/report")  # the victim has a cookie of their own
    victim = client.post("/report", data={**REPORT, "csrf_token": forgers_token})
    assert victim.status_code == 400 and REFUSED in victim.get_data(as_text=True)
    no_cookie = _english(app.test_client())  # another site's form: the browser sends no cookie of ours
    refused = no_cookie.post("/report", data={**REPORT, "csrf_token": forgers_token})
    assert refused.status_code == 400 and EXPIRED in refused.get_data(as_text=True)
    assert DESCRIPTION in refused.get_data(as_text=True)
    assert _reports(app) == 0
    # The forger's own pair still works: the control.
    assert forger.post("/report", data={**REPORT, "csrf_token": forgers_token}).status_code == 303


def test_an_expired_token_gives_the_form_back_with_what_was_typed(
    app: Flask, client: FlaskClient, admin: Account, monkeypatch: Any
) -> None:
    token = get_csrf(_english(client), "/report")
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + LONGEST_SESSION + 60)
    response = client.post("/report", data={**REPORT, "csrf_token": token})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert EXPIRED in page and DESCRIPTION in page  # one sentence, and the text as typed
    assert _reports(app) == 0
    again = client.post("/report", data={**REPORT, "csrf_token": csrf_from(page)})
    assert again.status_code == 303 and _reports(app) == 1


def test_an_expired_token_is_refused_where_no_form_is_shown_again(
    app: Flask, client: FlaskClient, forum_boards: None, monkeypatch: Any
) -> None:
    """Taking a forum code validates no form: an old token stops before the view."""
    token = get_csrf(_english(client), f"/forum/{SLUG}/new")
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + LONGEST_SESSION + 60)
    response = client.post("/forum/code/new", data={"csrf_token": token})
    assert response.status_code == 400 and REFUSED in response.get_data(as_text=True)
