"""Sessions hold only ciphertext on the server; the key is in the cookie (DESIGN.md §3)."""

from __future__ import annotations

import base64
import time
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import ServerSession
from portal.security.sessions import COOKIE_NAME
from tests.accounts import Account, AuthActions
from tests.csrf import get_csrf
from tests.reporting_helpers import submit


def _stored_blobs(app: Flask) -> list[bytes]:
    redis_client = app.extensions["portal.redis"]
    if redis_client is not None:
        prefix = app.config["PORTAL"].redis_prefix + ":session:"
        return [bytes(redis_client.get(k)) for k in redis_client.scan_iter(match=prefix + "*")]
    with Session(app.extensions["portal.engine"]) as db:
        return list(db.scalars(select(ServerSession.data)))


def _cookie(client: FlaskClient) -> Any:
    return client.get_cookie(COOKIE_NAME)


def test_server_holds_ciphertext_and_cookie_holds_the_key(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    auth.login(admin)
    cookie = _cookie(client)
    assert cookie is not None and cookie.http_only and cookie.same_site == "Strict"
    blobs = _stored_blobs(app)
    assert blobs
    org_key_b64 = None
    for blob in blobs:
        assert b"moderator_id" not in blob and b"org_key" not in blob and b"csrf" not in blob
    del org_key_b64


def test_session_id_rotates_at_login(client: FlaskClient, admin: Account, auth: AuthActions) -> None:
    get_csrf(client, "/moderation/login")
    assert _cookie(client) is None  # a form needs no session (security/csrf.py)
    assert submit(client).status_code == 303  # the receipt's code: a session before the log-in
    before = _cookie(client).value
    auth.login(admin)
    after = _cookie(client).value
    assert before.split(".")[0] != after.split(".")[0]


def test_logout_destroys_the_server_side(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    auth.login(admin)
    stolen = _cookie(client).value
    auth.logout()
    thief = app.test_client()
    thief.set_cookie(COOKIE_NAME, stolen)
    assert thief.get("/moderation/").status_code == 302


def test_cookie_with_wrong_key_opens_nothing(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    auth.login(admin)
    token = _cookie(client).value.split(".")[0]
    forged = app.test_client()
    forged.set_cookie(COOKIE_NAME, token + "." + base64.urlsafe_b64encode(b"k" * 32).decode().rstrip("="))
    assert forged.get("/moderation/").status_code == 302


def test_idle_timeout_ends_the_session(
    app: Flask, client: FlaskClient, admin: Account, monkeypatch: Any, auth: AuthActions
) -> None:
    auth.login(admin)
    assert client.get("/moderation/").status_code == 200
    idle = app.config["PORTAL"].moderator_idle_seconds
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + idle + 5)
    assert client.get("/moderation/").status_code == 302


def test_absolute_timeout_ends_even_an_active_session(
    app: Flask, client: FlaskClient, admin: Account, monkeypatch: Any, auth: AuthActions
) -> None:
    auth.login(admin)
    real = time.time
    step = app.config["PORTAL"].moderator_idle_seconds - 60
    absolute = app.config["PORTAL"].session_absolute_seconds
    offset = 0
    while offset < absolute - step:
        offset += step
        monkeypatch.setattr(time, "time", lambda o=offset: real() + o)
        assert client.get("/moderation/").status_code == 200
    monkeypatch.setattr(time, "time", lambda: real() + absolute + 1)
    assert client.get("/moderation/").status_code == 302


def _stored_expiries(app: Flask) -> list[float]:
    """Each stored session's expiry as the store keeps it (Unix seconds)."""
    redis_client = app.extensions["portal.redis"]
    if redis_client is not None:
        prefix = app.config["PORTAL"].redis_prefix + ":session:"
        return [time.time() + redis_client.pttl(k) / 1000 for k in redis_client.scan_iter(match=prefix + "*")]
    with Session(app.extensions["portal.engine"]) as db:
        return [at.timestamp() for at in db.scalars(select(ServerSession.expires_at))]


def test_stored_expiry_is_a_full_hour_and_the_idle_end_stays_exact(
    app: Flask, client: FlaskClient, admin: Account, monkeypatch: Any, auth: AuthActions
) -> None:
    """The store dates a session to the hour (DESIGN.md §3); the 30 minutes still end it exactly."""
    idle = 30 * 60  # a moderator's idle time-out, seconds
    before = time.time()
    auth.login(admin)
    (expiry,) = _stored_expiries(app)
    assert min(expiry % 3600, 3600 - expiry % 3600) < 2, expiry  # a full hour (Redis: to its clock)
    assert before + idle - 2 <= expiry <= before + idle + 3600 + 2  # rounded up, by less than an hour
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + idle - 60)
    assert client.get("/moderation/").status_code == 200  # 29 minutes idle: still in, and seen now
    monkeypatch.setattr(time, "time", lambda: real() + 2 * idle - 60 + 5)
    assert client.get("/moderation/").status_code == 302  # 30 min 5 s after that: out
    assert _stored_expiries(app) == []  # and the server side is gone, before its stored hour
