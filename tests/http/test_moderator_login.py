"""Log-in from the moderator's side: each wrong factor, replay, lock-out, deny by default."""

from __future__ import annotations

import re
from typing import cast

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal import create_app, dispose
from tests.accounts import Account, AccountFactory, AuthActions
from tests.csrf import get_csrf

FAILED = "Inloggningen misslyckades"


def test_right_factors_open_the_dashboard_and_logout_ends_it(
    client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    response = auth.login(admin)
    assert response.status_code == 302 and response.location.endswith("/moderation/")
    page = client.get("/moderation/")
    assert page.status_code == 200
    assert "Inloggad som admin" in page.get_data(as_text=True)
    token = get_csrf(client, "/moderation/")
    assert client.post("/moderation/logout", data={"csrf_token": token}).status_code == 302
    assert "Du är utloggad" in client.get("/moderation/login").get_data(as_text=True)
    assert client.get("/moderation/").status_code == 302  # back to the log-in page


def test_each_wrong_factor_gets_the_same_answer(
    client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    answers = [
        auth.login(admin, username="nobody"),
        auth.login(admin, password="wrong password entirely"),
        auth.login(admin, totp="000000"),
    ]
    for response in answers:
        assert response.status_code == 401
        assert FAILED in response.get_data(as_text=True)
    assert client.get("/moderation/").status_code == 302


def test_a_totp_code_is_accepted_once(client: FlaskClient, admin: Account, auth: AuthActions) -> None:
    code = admin.next_code()
    assert auth.login(admin, totp=code).status_code == 302
    token = get_csrf(client, "/moderation/")
    client.post("/moderation/logout", data={"csrf_token": token})
    replay = auth.login(admin, totp=code)
    assert replay.status_code == 401


def test_repeated_failures_lock_the_account_even_for_the_right_password(
    app: Flask, moderator: AccountFactory, auth: AuthActions
) -> None:
    account = moderator("mona")
    threshold = app.config["PORTAL"].lockout_threshold
    for _ in range(threshold):
        assert auth.login(account, password="not the password at all").status_code == 401
    locked = auth.login(account)
    assert locked.status_code == 401
    assert FAILED in locked.get_data(as_text=True)


def test_disabled_user_cannot_log_in_and_loses_running_session(
    app: Flask, client: FlaskClient, moderator: AccountFactory, auth: AuthActions
) -> None:
    from sqlalchemy.orm import Session

    from portal.accounts import service as accounts

    account = moderator("disa")
    assert auth.login(account).status_code == 302
    # An app context: disabling ends the user's sessions in the app's session store too.
    with app.app_context(), Session(app.extensions["portal.engine"]) as db:
        accounts.disable(db, accounts.find(db, "disa"))
        db.commit()
    assert client.get("/moderation/").status_code == 302
    assert auth.login(account).status_code == 401


def test_every_moderation_page_but_login_needs_a_log_in(app: Flask, client: FlaskClient) -> None:
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/moderation") or rule.endpoint == "moderation.login":
            continue
        url = re.sub(r"<[^>]+>", "1", rule.rule)
        for method in cast(set[str], rule.methods) - {"HEAD", "OPTIONS"}:  # a bound rule has its methods
            response = client.open(url, method=method)
            assert response.status_code in (302, 400, 403), (method, url, response.status_code)
            assert response.status_code != 200


def test_the_log_in_gate_runs_before_any_other_moderation_hook(app: Flask) -> None:
    from portal.moderation import auth

    assert app.before_request_funcs["moderation"][0] is auth.require_login


def test_login_without_csrf_token_is_refused_and_changes_nothing(client: FlaskClient, admin: Account) -> None:
    response = client.post(
        "/moderation/login",
        data={"username": admin.username, "password": admin.password, "totp": admin.next_code()},
    )
    assert response.status_code == 400
    assert "Formuläret" in response.get_data(as_text=True)
    assert client.get("/moderation/").status_code == 302


def test_login_page_in_english(client: FlaskClient, admin: Account, auth: AuthActions) -> None:
    page = client.get("/moderation/login?lang=en").get_data(as_text=True)
    assert "Log in as moderator" in page
    response = auth.login(admin, password="wrong password entirely")
    assert "Log-in failed" in response.get_data(as_text=True)


def test_changed_secret_key_refuses_log_in_instead_of_failing(
    app: Flask, admin: Account, caplog: pytest.LogCaptureFixture
) -> None:
    """The TOTP secret is sealed under PORTAL_SECRET_KEY; a new key must not turn log-in into a 500."""
    moved = create_app(app.config["PORTAL"].replace(secret_key="another-" + "k" * 40))
    try:
        client = moved.test_client()
        response = AuthActions(client).login(admin)
        assert response.status_code == 401 and FAILED in response.get_data(as_text=True)
        assert "PORTAL_SECRET_KEY" in caplog.text  # the operator learns why
    finally:
        dispose(moved)
