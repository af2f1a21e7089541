"""GET /healthz for load balancers: 200 (ok or degraded) or 503, no details, no session, never rate-limited."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from limits import parse

from portal import create_app, dispose
from portal.config import Config
from portal.db import Base
from tests.reporting_helpers import open_with_code
from tests.settings import CLIENT_ADDRESS

UNREACHABLE_DATABASE = {
    "sqlite": "sqlite:////nonexistent-directory/portal.sqlite3",
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:1/nowhere",
}


@pytest.fixture
def make_app(config: Config) -> Iterator[Callable[..., Flask]]:
    made: list[Flask] = []

    def build(**changes: object) -> Flask:
        app = create_app(config.replace(**changes))
        made.append(app)
        return app

    yield build
    for app in made:
        dispose(app)


def test_healthy_portal_answers_ok_and_nothing_more(app: Flask) -> None:
    client = app.test_client()
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_data() == b"ok\n"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Set-Cookie" not in response.headers and "Server" not in response.headers
    head = client.head("/healthz")
    assert head.status_code == 200 and head.get_data() == b""


def test_probes_pass_when_the_client_is_rate_limited(make_app: Callable[..., Flask]) -> None:
    app = make_app(limit_code_login="1 per minute")
    Base.metadata.create_all(app.extensions["portal.engine"])
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = CLIENT_ADDRESS  # a balancer probes from one address
    statuses = [open_with_code(client, "AAAA-BBBB-CCCC-DDDD").status_code for _ in range(2)]
    assert statuses == [401, 429]
    # More probes than the default limit lets any client make per minute: none is limited.
    probes = parse(app.config["PORTAL"].limit_default).amount + 10
    assert {client.get("/healthz").status_code for _ in range(probes)} == {200}


def test_unreachable_database_is_503_without_details(make_app: Callable[..., Flask], backend: str) -> None:
    app = make_app(database_url=UNREACHABLE_DATABASE[backend])
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.get_data() == b"unavailable\n"
    assert response.headers["Cache-Control"] == "no-store"


def test_unreachable_redis_is_degraded_but_still_serving(
    make_app: Callable[..., Flask], backend: str
) -> None:
    # 200: the portal serves on its fallbacks, so a balancer keeps it (portal/health.py).
    app = make_app(redis_url="redis://127.0.0.1:1/0")
    Base.metadata.create_all(app.extensions["portal.engine"])
    response = app.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_data() == b"degraded\n"
