"""DESIGN.md §3 headers on every route and status, and error pages that show no trace."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.security.headers import STATIC_HEADERS

ALL_STATUSES = [400, 403, 404, 405, 413, 429, 500]


def _assert_headers(response, where: str) -> None:  # type: ignore[no-untyped-def]
    for name, value in STATIC_HEADERS.items():
        assert response.headers.get(name) == value, (where, name)
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    if not where.startswith("/static"):
        assert response.headers.get("Cache-Control") == "no-store", where


def test_every_get_route_has_the_headers(app: Flask, client: FlaskClient) -> None:
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        url = rule.rule.replace("<path:filename>", "portal.css")
        response = client.get(url)
        _assert_headers(response, url)
        response.close()


@pytest.fixture
def failing_app(app: Flask) -> Flask:
    from flask import abort

    @app.get("/_test/status/<int:code>")
    def status(code: int) -> str:
        if code == 500:
            raise RuntimeError("secret detail that must not reach the page")
        abort(code)

    return app


@pytest.mark.parametrize("code", ALL_STATUSES)
def test_error_pages_have_headers_and_language(failing_app: Flask, code: int) -> None:
    client = failing_app.test_client()
    response = client.get(f"/_test/status/{code}")
    assert response.status_code == code
    _assert_headers(response, f"status {code}")
    body = response.get_data(as_text=True)
    assert 'lang="sv"' in body and "Traceback" not in body and "secret detail" not in body
    english = client.get(f"/_test/status/{code}?lang=en").get_data(as_text=True)
    assert 'lang="en"' in english


def test_404_and_405_from_routing(client: FlaskClient) -> None:
    assert client.get("/no/such/page").status_code == 404
    response = client.delete("/")
    assert response.status_code == 405
    _assert_headers(response, "405")


def test_oversized_body_is_413(app: Flask, client: FlaskClient) -> None:
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post(
        "/moderation/login", data=b"x" * (limit + 1), content_type="application/octet-stream"
    )
    assert response.status_code == 413
    assert "För stort" in response.get_data(as_text=True)


def test_hsts_only_under_https(config, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from portal import create_app, dispose
    from portal.db import Base

    app = create_app(config.replace(base_url="https://portal.example"))
    Base.metadata.create_all(app.extensions["portal.engine"])
    response = app.test_client().get("/", base_url="https://portal.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    dispose(app)


def test_no_hsts_over_plain_http(client: FlaskClient) -> None:
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_no_third_party_resources_in_pages(client: FlaskClient) -> None:
    import re

    for url in ["/", "/moderation/login", "/?lang=en"]:
        html = client.get(url).get_data(as_text=True)
        for attr in re.findall(r'(?:src|href|action)="([^"]+)"', html):
            assert not re.match(r"^(https?:)?//", attr), (url, attr)
