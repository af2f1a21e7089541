"""The CSRF token of a page's form: CSRF is on in every test, so every POST carries one."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in page"
    return match.group(1)


def get_csrf(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    return csrf_from(response.get_data(as_text=True))
