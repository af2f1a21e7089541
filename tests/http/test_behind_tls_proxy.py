"""Behind nginx with TLS (docs/deploy.md): the request arrives as https, forms still work.

Browsers send no Referer to the portal (Referrer-Policy: no-referrer), so a CSRF check that
demands one under HTTPS would refuse every form in production while every plain-HTTP test passed.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from portal import create_app, dispose
from portal.config import Config
from portal.db import Base
from portal.models import Role
from portal.security.sessions import COOKIE_NAME
from tests.accounts import make_account
from tests.csrf import csrf_from
from tests.reporting_helpers import DESCRIPTION

PUBLIC = "https://visslan.example.se"
NGINX = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}


@pytest.fixture
def tls_app(config: Config) -> Iterator[Flask]:
    app = create_app(config.replace(base_url=PUBLIC, proxy_count=1))
    Base.metadata.create_all(app.extensions["portal.engine"])
    yield app
    dispose(app)


def test_forms_work_over_https_without_a_referer(tls_app: Flask) -> None:
    make_account(tls_app, "admin", Role.ADMIN)  # the organisation key that reports are sealed to
    client = tls_app.test_client()
    page = client.get("/report", base_url=PUBLIC, headers=NGINX)
    fields = {
        "kind": "influence",
        "description": DESCRIPTION,
        "csrf_token": csrf_from(page.get_data(as_text=True)),
    }
    sent = client.post("/report", base_url=PUBLIC, headers=NGINX, data=fields)
    assert sent.status_code == 303, sent.get_data(as_text=True)[:500]
    cookie = client.get_cookie(COOKIE_NAME, domain="visslan.example.se")
    assert cookie is not None and cookie.secure and cookie.http_only
