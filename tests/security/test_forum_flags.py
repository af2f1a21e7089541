"""Flag abuse (issue 13 item 3): one reader cannot hide a post, however many clients they use.

The attack: a hostile forum user flags a post again and again, from new browsers and new
addresses, with one forum code or with none, to silence a writer. Only distinct flaggers count:
each forum code is one flagger, and every reader without a code together is one more. A thread
whose first post was hidden by flags still opens, with a calm placeholder where the post was.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal.forum import moderation
from portal.forum.models import Post, PostStatus
from tests.csrf import get_csrf
from tests.forum_helpers import SLUG, new_thread, take_code

FIRST = "Chefen sa att jag skulle tänka på min karriär om jag skrev under protokollet."
ANSWER = "Samma sak hände mig i fjol, det blev bättre när vi var flera som sa ifrån."
PLACEHOLDER_SV = "Inlägget har anmälts och väntar på att en moderator läser det."
PLACEHOLDER_EN = "This post has been reported and is waiting for a moderator."


def _client(app: Flask, address: str) -> FlaskClient:
    fresh = app.test_client()
    fresh.environ_base["REMOTE_ADDR"] = address
    return fresh


def _with_code(app: Flask, code: str, address: str) -> FlaskClient:
    """A new browser on a new address, logged in with an existing forum code."""
    fresh = _client(app, address)
    token = get_csrf(fresh, "/forum/code")
    assert fresh.post("/forum/code", data={"code": code, "csrf_token": token}).status_code == 303
    return fresh


def _new_code(app: Flask, address: str) -> FlaskClient:
    fresh = _client(app, address)
    take_code(fresh)
    return fresh


def _approve_all(app: Flask) -> None:
    with Session(app.extensions["portal.engine"]) as db:
        for post_id in db.scalars(sa.select(Post.id).where(Post.status == PostStatus.PENDING)):
            moderation.approve(db, post_id, None)
        db.commit()


def _published_thread(app: Flask, with_reply: bool = True) -> tuple[str, list[str]]:
    """A thread (and a reply) by a writer, published; its URL and its posts' flag links."""
    writer = _client(app, "198.51.100.1")
    assert new_thread(writer, "Pressad att skriva under", FIRST, action="send").status_code == 303
    _approve_all(app)
    board = writer.get(f"/forum/{SLUG}").get_data(as_text=True)
    (url,) = re.findall(r'href="(/forum/t/[^"]+)"', board)
    if with_reply:
        token = get_csrf(writer, url)
        (action,) = re.findall(r'action="(/forum/t/[^"]+/reply)"', writer.get(url).get_data(as_text=True))
        data = {"body": ANSWER, "action": "send", "csrf_token": token}
        assert writer.post(action, data=data).status_code == 303
        _approve_all(app)
    flags = re.findall(r'href="(/forum/[^"]+/flag)"', writer.get(url).get_data(as_text=True))
    assert len(flags) == (2 if with_reply else 1)
    return url, flags


def _flag(reader: FlaskClient, flag_url: str) -> int:
    token = get_csrf(reader, flag_url)
    return int(reader.post(flag_url, data={"reason": "identifying", "csrf_token": token}).status_code)


def _page(app: Flask, url: str, language: str = "sv") -> tuple[int, str]:
    response = _client(app, "198.51.100.200").get(f"{url}?lang={language}")
    return response.status_code, response.get_data(as_text=True)


def _flag_rows(app: Flask) -> list[dict[str, Any]]:
    with app.extensions["portal.engine"].connect() as conn:
        return [dict(row._mapping) for row in conn.execute(sa.text("SELECT * FROM forum_flags"))]


@pytest.mark.usefixtures("forum_boards")
def test_one_forum_code_on_many_clients_counts_as_one_flagger(app: Flask) -> None:
    url, (flag_first, _) = _published_thread(app)
    code = take_code(_client(app, "198.51.100.2"))
    for n in range(6):  # six browsers, six addresses, one code
        assert _flag(_with_code(app, code, f"198.51.100.{10 + n}"), flag_first) == 303
    status, html = _page(app, url)
    assert status == 200 and FIRST in html and ANSWER in html
    assert PLACEHOLDER_SV not in html
    assert len(_flag_rows(app)) == 1


@pytest.mark.usefixtures("forum_boards")
def test_readers_without_a_code_count_together_as_one_flagger(app: Flask) -> None:
    url, (flag_first, _) = _published_thread(app)
    for n in range(6):  # six code-less browsers, six addresses
        assert _flag(_client(app, f"198.51.100.{20 + n}"), flag_first) == 303
    status, html = _page(app, url)
    assert status == 200 and FIRST in html
    assert len(_flag_rows(app)) == 1


@pytest.mark.usefixtures("forum_boards")
def test_code_less_readers_and_one_code_are_two_flaggers_and_a_second_code_makes_three(app: Flask) -> None:
    url, (flag_first, _) = _published_thread(app)
    one = _new_code(app, "198.51.100.30")
    assert _flag(one, flag_first) == 303
    for n in range(4):
        assert _flag(_client(app, f"198.51.100.{31 + n}"), flag_first) == 303
    assert FIRST in _page(app, url)[1]  # still two flaggers: the code and "everyone without one"
    assert _flag(_new_code(app, "198.51.100.40"), flag_first) == 303
    status, html = _page(app, url)
    assert status == 200 and FIRST not in html and PLACEHOLDER_SV in html


@pytest.mark.usefixtures("forum_boards")
def test_three_codes_hide_the_first_post_and_the_thread_still_opens(app: Flask) -> None:
    url, (flag_first, _) = _published_thread(app)
    for n in range(3):
        assert _flag(_new_code(app, f"198.51.100.{50 + n}"), flag_first) == 303
    status, html = _page(app, url)
    assert status == 200  # not 404: the rest of the thread is as before
    assert FIRST not in html and PLACEHOLDER_SV in html and ANSWER in html
    assert "Pressad att skriva under" in html
    english = _page(app, url, "en")[1]
    assert PLACEHOLDER_EN in english and FIRST not in english
    with Session(app.extensions["portal.engine"]) as db:
        queued = {item.post.body: item.post.flag_hidden for item in moderation.queue(db, None)}
    assert queued == {FIRST: True}


@pytest.mark.usefixtures("forum_boards")
def test_three_codes_hide_a_reply_and_it_shows_a_placeholder(app: Flask) -> None:
    url, (_, flag_reply) = _published_thread(app)
    for n in range(3):
        assert _flag(_new_code(app, f"198.51.100.{60 + n}"), flag_reply) == 303
    status, html = _page(app, url)
    assert status == 200 and FIRST in html and ANSWER not in html
    assert html.count(PLACEHOLDER_SV) == 1
    assert html.index(FIRST) < html.index(PLACEHOLDER_SV)  # in the reply's place
    assert _client(app, "198.51.100.99").get(flag_reply).status_code == 404  # hidden: nothing to flag


@pytest.mark.usefixtures("forum_boards")
def test_a_flag_row_does_not_say_which_code_flagged(app: Flask) -> None:
    """A database holder cannot join one code's flags across posts, nor read the code in them."""
    url, (flag_first, flag_reply) = _published_thread(app)
    reader = _new_code(app, "198.51.100.70")
    assert _flag(reader, flag_first) == 303 and _flag(reader, flag_reply) == 303
    rows = _flag_rows(app)
    assert len(rows) == 2
    first, second = (bytes(row["flagger"]) for row in rows)
    assert len(first) == 32 and len(second) == 32 and first != second
    with app.extensions["portal.engine"].connect() as conn:
        ((code_id, pseudonym),) = conn.execute(sa.text("SELECT id, pseudonym FROM forum_codes")).all()
    for row in rows:
        assert set(row) == {"id", "post_id", "reason", "created_on", "flagger"}
        assert pseudonym.encode() not in bytes(row["flagger"])
        assert row["flagger"] != str(code_id).encode()
