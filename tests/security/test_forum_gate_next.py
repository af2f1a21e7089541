"""The forum gate sends a reader back only to a plain forum path (issue 13, item 10).

The attack: a link to ``/forum/gate?next=…`` that a colleague is asked to open. A CR/LF in
``next`` made the redirect a 500 (a header with a line break); a host in it (``//evil.example``,
a backslash that browsers read as a slash) would send someone who has just typed the
organisation's passphrase to a page that asks for it again. Every such value must end at the
forum's index, and a real forum path must still work.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.db import db_session
from portal.forum import gate
from tests.csrf import get_csrf

PASSPHRASE = "vi-ar-kollegor-2026"
HOSTILE = [
    "/forum/\r\nSet-Cookie: planted=1",
    "/forum\r\nLocation: https://evil.example/",
    "/forum/\nx",
    "/forum/\rx",
    "/forum/\x00",
    "/forum/\x7f",
    "/forum/\x1b[31m",
    "/forum/\u2028x",
    "/forum/\u0085x",
    "/forum\t/x",
    "//evil.example",
    "//evil.example/forum",
    "/forum//evil.example",
    "///evil.example/forum",
    "/\\evil.example",
    "/forum\\..\\x",
    "/forum/\\\\evil.example",
    "/forum/../x",
    "/forum/./x",
    "/forum/..",
    "/forum/%2e%2e/x",
    "/forum/%0d%0aSet-Cookie:%20planted=1",
    "https://evil.example/forum",
    "http:/forum",
    "javascript:alert(1)//forum",
    "/forum@evil.example",
    "/forum:evil.example",
    " /forum/",
    "/forumx",
    "/report",
    "/forum/" + "a" * 5000,
    "",
]


@pytest.fixture
def gated(app: Flask) -> Flask:
    with app.app_context():
        gate.set_passphrase(db_session(), PASSPHRASE)
        db_session().commit()
    return app


def _enter(app: Flask, number: int, target: str) -> tuple[int, str]:
    reader = app.test_client()
    reader.environ_base["REMOTE_ADDR"] = f"198.51.100.{number % 250 + 1}"  # a reader each
    token = get_csrf(reader, "/forum/gate")
    response = reader.post(
        "/forum/gate", query_string={"next": target}, data={"csrf_token": token, "passphrase": PASSPHRASE}
    )
    return response.status_code, response.headers.get("Location", "")


@pytest.mark.usefixtures("forum_boards")
def test_a_hostile_next_never_breaks_the_redirect_nor_leaves_the_forum(gated: Flask) -> None:
    for number, target in enumerate(HOSTILE):
        status, location = _enter(gated, number, target)
        assert status == 303, (target, status)
        assert location == "/forum/", (target, location)
        parts = urlsplit(location)
        assert not parts.scheme and not parts.netloc, (target, location)


@pytest.mark.usefixtures("forum_boards")
def test_a_plain_forum_path_is_where_the_reader_goes(gated: Flask, client: FlaskClient) -> None:
    assert client.get("/forum/mine").headers["Location"] == "/forum/gate?next=/forum/mine"
    for number, target in enumerate(["/forum/", "/forum", "/forum/hot-och-trakasserier", "/forum/mine"]):
        assert _enter(gated, number, target) == (303, target)
