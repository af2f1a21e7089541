"""No client address in any row, file or log line (DESIGN.md §3, rate limits without addresses)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from tests.accounts import Account, AuthActions
from tests.csrf import get_csrf
from tests.settings import CLIENT_ADDRESS


def _run_a_session_of_requests(client: FlaskClient, admin: Account) -> None:
    client.get("/")
    client.get("/?lang=en")
    AuthActions(client).login(admin, password="wrong password entirely", totp="123456")
    AuthActions(client).login(admin)
    client.get("/moderation/")
    client.post("/moderation/logout", data={"csrf_token": get_csrf(client, "/moderation/")})
    client.get("/no/such/page")
    client.get("/", headers={"X-Forwarded-For": "198.51.100.23", "X-Real-IP": "198.51.100.23"})


def test_no_address_in_rows_or_logs(
    app: Flask, client: FlaskClient, admin: Account, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    _run_a_session_of_requests(client, admin)
    engine = app.extensions["portal.engine"]
    with Session(engine) as db:
        for table in inspect(engine).get_table_names():
            for row in db.execute(text(f'SELECT * FROM "{table}"')):
                dumped = repr(tuple(row))
                assert CLIENT_ADDRESS not in dumped and "198.51.100.23" not in dumped, table
    assert CLIENT_ADDRESS not in caplog.text and "198.51.100.23" not in caplog.text


def test_no_address_in_any_file_of_the_instance(app: Flask, client: FlaskClient, admin: Account) -> None:
    _run_a_session_of_requests(client, admin)
    app.extensions["portal.engine"].dispose()
    instance = Path(app.config["PORTAL"].instance_path)
    for path in instance.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert CLIENT_ADDRESS.encode() not in data, path


def test_the_app_never_sees_the_address(app: Flask, client: FlaskClient) -> None:
    seen: dict[str, object] = {}

    @app.get("/_test/addr")
    def addr() -> str:
        from flask import request

        seen["remote_addr"] = request.remote_addr
        seen["headers"] = dict(request.headers)
        return "ok"

    client.get("/_test/addr", headers={"X-Forwarded-For": "198.51.100.23"})
    assert seen["remote_addr"] != CLIENT_ADDRESS
    assert "198.51.100.23" not in repr(seen["headers"])


def test_dev_server_access_log_line_is_scrubbed() -> None:
    from portal.logs import AddressFreeFilter

    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        "",
        0,
        '203.0.113.77 - - [23/Nov/2026 10:00:00] "%s" %s %s',
        ("GET / HTTP/1.1", 200, "-"),
        None,
    )
    AddressFreeFilter().filter(record)
    assert CLIENT_ADDRESS not in record.getMessage()


def test_login_limit_trips_per_client_without_addresses(
    app: Flask, admin: Account, auth: AuthActions
) -> None:
    statuses = [auth.login(admin, password="wrong password entirely").status_code for _ in range(12)]
    assert 429 in statuses
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.99"
    assert AuthActions(other).login(admin, password="wrong password entirely").status_code == 401
    with Session(app.extensions["portal.engine"]) as db:
        assert db.scalars(select(text("1"))).first() == 1
