"""The installation operator in tests: logging in, creating an organisation on /operator, and its
first admin enrolling through the link (issue 14, item 2)."""

from __future__ import annotations

import re

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from portal.models import Role
from tests.accounts import PASSWORD, Account, AuthActions, make_account
from tests.csrf import csrf_from, get_csrf

LINK_RE = re.compile(r"data-enrolment-link>(http[^<]+/enrol/([A-Za-z0-9_-]+))<")


def operator_client(app: Flask, username: str = "olle") -> tuple[FlaskClient, Account]:
    """A client logged in as a new installation operator (no organisation)."""
    account = make_account(app, username, Role.OPERATOR)
    client = app.test_client()
    assert AuthActions(client).login(account).location == "/operator/"
    return client, account


def create_organisation(client: FlaskClient, slug: str, name: str) -> str:
    """Create an organisation on /operator; the token of the enrolment link the page shows once."""
    token = get_csrf(client, "/operator/")
    created = client.post("/operator/organisations", data={"slug": slug, "name": name, "csrf_token": token})
    assert created.status_code == 303, created.get_data(as_text=True)[:1500]
    page = client.get(created.location)
    assert client.get(created.location).location == created.location.removesuffix("/enrolment-link")  # once
    match = LINK_RE.search(page.get_data(as_text=True))
    assert match, "no enrolment link on the page"
    return match.group(2)


def passphrase_and_app(client: FlaskClient, token: str, fields: dict[str, str]) -> tuple[str, TestResponse]:
    """The wizard's first two steps through ``/enrol/<token>``: step 1 with ``fields`` (the
    passphrase, a first admin's user name), then the authenticator app with a right code. The
    app's key, and the answer to the second step."""
    page = client.get(f"/enrol/{token}")
    assert page.status_code == 200, page.get_data(as_text=True)[:1500]
    step1 = client.post(
        f"/enrol/{token}", data={**fields, "csrf_token": csrf_from(page.get_data(as_text=True))}
    )
    assert step1.status_code == 302 and step1.location == "/setup/totp", step1.get_data(as_text=True)[:1500]
    totp_page = client.get("/setup/totp").get_data(as_text=True)
    secret = re.search(r'data-secret="([A-Z2-7]+)"', totp_page)
    assert secret
    done = client.post(
        "/setup/totp", data={"totp": pyotp.TOTP(secret.group(1)).now(), "csrf_token": csrf_from(totp_page)}
    )
    return secret.group(1), done


def enrol(client: FlaskClient, token: str, username: str) -> Account:
    """Follow the enrolment link as the organisation's first admin, all three steps."""
    fields = {"username": username, "password": PASSWORD, "confirm": PASSWORD}
    secret, done = passphrase_and_app(client, token, fields)
    assert done.status_code == 302 and done.location == "/setup/recovery", done.get_data(as_text=True)[:1500]
    recovery_page = client.get("/setup/recovery").get_data(as_text=True)
    key = re.search(r'data-recovery-key="([A-Z2-7-]+)"', recovery_page)
    assert key
    finished = client.post("/setup/recovery", data={"csrf_token": csrf_from(recovery_page), "stored": "y"})
    assert finished.location == "/moderation/login"
    account = Account(username, PASSWORD, secret, key.group(1))
    account.next_code()  # the code of the set-up step is spent
    return account
