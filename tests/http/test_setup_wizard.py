"""The first-run wizard end to end, and every way to get it wrong."""

from __future__ import annotations

import html
import re

import pyotp
from flask import Flask
from flask.testing import FlaskClient

from portal.installation import setup_token
from tests.accounts import PASSWORD, Account, AuthActions
from tests.csrf import csrf_from


def _start(client: FlaskClient, app: Flask) -> str:
    page = client.get(f"/setup?token={setup_token(app.config['PORTAL'])}")
    assert page.status_code == 200
    return csrf_from(page.get_data(as_text=True))


def _enrol_page(client: FlaskClient, app: Flask) -> tuple[str, str]:
    token = _start(client, app)
    response = client.post(
        "/setup", data={"username": "ada", "password": PASSWORD, "confirm": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302 and response.location.endswith("/setup/totp")
    page = client.get("/setup/totp").get_data(as_text=True)
    secret = re.search(r'data-secret="([A-Z2-7]+)"', page)
    assert secret
    # Shown as a person types it: in groups of four.
    shown = re.search(r'data-secret="[A-Z2-7]+">([A-Z2-7 ]+)</code>', page)
    assert shown and shown.group(1).split(" ")[0] == secret.group(1)[:4]
    assert shown.group(1).replace(" ", "") == secret.group(1) and len(shown.group(1).split(" ")[1]) == 4
    return secret.group(1), csrf_from(page)


def test_wizard_creates_admin_org_key_and_shows_recovery_key_once(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    secret, token = _enrol_page(client, app)
    qr = client.get("/setup/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml" and b"<svg" in qr.data
    code = pyotp.TOTP(secret).now()
    response = client.post("/setup/totp", data={"totp": code, "csrf_token": token})
    assert response.status_code == 302 and response.location.endswith("/setup/recovery")
    page = client.get("/setup/recovery").get_data(as_text=True)
    key = re.search(r'data-recovery-key="([A-Z2-7-]+)"', page)
    assert key and len(key.group(1).replace("-", "")) == 52
    # In groups of four that never break inside a line.
    assert '<code><span class="group">' in page and '</span>-<wbr><span class="group">' in page
    # Shown once: a reload does not show it again, nor does a refused form.
    reload = client.get("/setup/recovery").get_data(as_text=True)
    assert key.group(1) not in reload and "Återställningsnyckeln visades en gång" in html.unescape(reload)
    # Without the box ticked nothing moves on.
    refused = client.post("/setup/recovery", data={"csrf_token": csrf_from(page)})
    assert refused.status_code == 400 and key.group(1) not in refused.get_data(as_text=True)
    done = client.post("/setup/recovery", data={"csrf_token": csrf_from(page), "stored": "y"})
    assert done.status_code == 302 and done.location.endswith("/moderation/login")
    assert client.get("/setup/recovery").status_code == 403  # shown once
    # The token stops working, and the new admin logs in with a fresh code (the setup one is spent).
    assert client.get(f"/setup?token={setup_token(app.config['PORTAL'])}").status_code == 403
    account = Account("ada", PASSWORD, secret, key.group(1))
    replay = auth.login(account, totp=code)
    assert replay.status_code == 401
    account._offset = 1
    assert auth.login(account).status_code == 302
    assert "Konton som väntar" in client.get("/moderation/").get_data(as_text=True)


def test_wrong_token_is_refused(app: Flask, client: FlaskClient) -> None:
    response = client.get("/setup?token=not-the-token")
    assert response.status_code == 403
    assert client.get("/setup").status_code == 403


def test_weak_passphrase_and_mismatch_are_explained(app: Flask, client: FlaskClient) -> None:
    token = _start(client, app)
    weak = client.post(
        "/setup", data={"username": "ada", "password": "short", "confirm": "short", "csrf_token": token}
    )
    assert weak.status_code == 400
    assert "minst 12 tecken" in weak.get_data(as_text=True)
    mismatch = client.post(
        "/setup",
        data={"username": "ada", "password": PASSWORD, "confirm": PASSWORD + "x", "csrf_token": token},
    )
    assert mismatch.status_code == 400
    assert client.get("/setup/totp").status_code == 403  # nothing pending


def test_wrong_totp_creates_nobody(app: Flask, client: FlaskClient) -> None:
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from portal.models import User

    secret, token = _enrol_page(client, app)
    response = client.post("/setup/totp", data={"totp": "000000", "csrf_token": token})
    assert response.status_code == 400
    with Session(app.extensions["portal.engine"]) as db:
        assert db.scalar(select(func.count()).select_from(User)) == 0
