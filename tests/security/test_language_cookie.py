"""The language cookie leaves no dated trace on the reporter's device (issue 13, item 12).

The attack: someone who later holds the reporter's device (a family member, the employer's IT
department) looks in the browser's cookie store. A ``lang`` cookie that lasts a year says that
this device visited the portal, and roughly when, long after the history was cleared. A session
cookie goes when the browser closes.
"""

from __future__ import annotations

from flask.testing import FlaskClient


def _language_cookies(client: FlaskClient, url: str) -> list[str]:
    response = client.get(url)
    return [value for value in response.headers.getlist("Set-Cookie") if value.startswith("lang=")]


def test_choosing_a_language_sets_a_session_cookie_without_expiry(client: FlaskClient) -> None:
    for url, language in (("/?lang=en", "en"), ("/report?lang=sv", "sv")):
        (cookie,) = _language_cookies(client, url)
        attributes = [part.strip().lower() for part in cookie.split(";")]
        assert attributes[0] == f"lang={language}", cookie
        assert not [a for a in attributes if a.startswith(("expires", "max-age"))], cookie
        assert "httponly" in attributes and "samesite=strict" in attributes, cookie


def test_the_choice_still_holds_for_the_rest_of_the_visit(client: FlaskClient) -> None:
    client.get("/?lang=en")
    assert '<html lang="en"' in client.get("/report").get_data(as_text=True)
    assert _language_cookies(client, "/report") == []  # set once, not on every page
