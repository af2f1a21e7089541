"""Public forum pages carry no global id (issue 13 item 8).

The attack: a reader collects the numbers in the forum's links and anchors (``/forum/t/5``,
``id="post-7"``, ``/forum/p/7/flag``). Global sequential ids order all writing across threads and
boards, so posts written at about the same time could be linked. Threads are reached by an opaque
random token, posts by their number within the thread (1, 2, 3), and the old integer URLs answer
404 (a redirect would let anyone enumerate the integers and read the order again).

The rows are made so that global ids and per-thread numbers differ: four threads come first, so
the thread under test has id 5 and its posts ids 5, 6 and 7, numbered 1, 2 and 3.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal.forum import moderation
from portal.forum.models import Post, PostStatus
from tests.csrf import csrf_from, get_csrf
from tests.forum_helpers import SLUG, new_thread, take_code

TITLE = "Trycket inför nämndmötet"
BODIES = (
    "Jag fick ett samtal kvällen före nämndmötet om hur jag skulle föredra ärendet.",
    "Vi hade samma sak på vår enhet, det hjälpte att skriva ner allt direkt.",
    "Tack för att ni delar, jag känner igen mig i varje rad.",
)
THREAD_ID, POST_IDS = 5, (5, 6, 7)  # the rows' global ids, as the database numbers them
NUMBERS = ("1", "2", "3")  # the same posts' numbers within their thread
TOKEN_URL = re.compile(r"/forum/t/[A-Za-z0-9_-]{16}")
NO_NUMBERS = {"board list", "board", "new thread", "the writer's own posts"}
ATTRIBUTE = re.compile(r'\b(href|action|id|value|for|name|aria-labelledby)="([^"]*)"')


def _approve_all(app: Flask) -> None:
    with Session(app.extensions["portal.engine"]) as db:
        for post_id in db.scalars(sa.select(Post.id).where(Post.status == PostStatus.PENDING)):
            moderation.approve(db, post_id, None)
        db.commit()


def _numbers_in(html: str) -> list[str]:
    """Every number a link, form or anchor of the page carries (path segments, query values, ids)."""
    found: list[str] = []
    csrf = csrf_from(html) if 'name="csrf_token"' in html else None
    for _, value in ATTRIBUTE.findall(html):
        if value == csrf or value.startswith("/static/"):
            continue  # random, and the portal's own files
        # A thread's token is random URL-safe text: its own digits ("…-70-…") are no id.
        value = re.sub(r"/forum/t/[A-Za-z0-9_-]{16}", "/forum/t/token", value)
        parts = urlsplit(value)
        pieces = [*parts.path.split("/"), *re.split(r"[&=]", parts.query), *value.split("-")]
        found.extend(piece for piece in pieces if piece.isdigit())
    return found


def _reply(client: FlaskClient, thread_url: str, body: str, action: str = "send") -> tuple[int, str]:
    html = client.get(thread_url).get_data(as_text=True)
    (target,) = re.findall(r'action="(/forum/t/[^"]+/reply)"', html)
    response = client.post(target, data={"body": body, "action": action, "csrf_token": csrf_from(html)})
    return response.status_code, response.get_data(as_text=True)


@pytest.fixture
def forum(app: Flask) -> tuple[FlaskClient, str]:
    """Four earlier threads, then the thread under test with two replies; its URL from the board."""
    writer = app.test_client()
    take_code(writer)
    for n in range(4):
        assert new_thread(writer, f"Tidigare tråd {n}", f"Ett tidigare inlägg nummer {n}.").status_code == 303
    assert new_thread(writer, TITLE, BODIES[0]).status_code == 303
    _approve_all(app)
    board = writer.get(f"/forum/{SLUG}").get_data(as_text=True)
    (url,) = re.findall(r'<a href="([^"]+)">' + TITLE, board)
    for body in BODIES[1:]:
        assert _reply(writer, url, body)[0] == 303
    _approve_all(app)
    with Session(app.extensions["portal.engine"]) as db:
        ids = db.execute(
            sa.select(Post.thread_id, Post.id, Post.seq).where(Post.thread_id == THREAD_ID)
        ).all()
    assert sorted(ids) == [(5, 5, 1), (5, 6, 2), (5, 7, 3)]  # the premise: ids and numbers differ
    return writer, url


@pytest.mark.usefixtures("forum_boards")
def test_no_public_forum_page_carries_a_global_id(app: Flask, forum: tuple[FlaskClient, str]) -> None:
    writer, url = forum
    assert TOKEN_URL.fullmatch(url), url
    reader = app.test_client()
    thread = reader.get(url).get_data(as_text=True)
    flags = re.findall(r'href="(/forum/[^"]+/flag)"', thread)
    assert flags == [f"{url}/{n}/flag" for n in NUMBERS]
    assert re.findall(r'id="(post-\d+)"', thread) == ["post-1", "post-2", "post-3"]
    _, with_findings = _reply(writer, url, "Ring mig på 070-123 45 67 om du vill.", action="check")
    assert "070-123 45 67</mark>" in with_findings  # the reply form shown again, with its warning
    pages = {
        "board list": reader.get("/forum/").get_data(as_text=True),
        "board": reader.get(f"/forum/{SLUG}").get_data(as_text=True),
        "new thread": reader.get(f"/forum/{SLUG}/new").get_data(as_text=True),
        "thread and reply form": thread,
        "reply form after a warning": with_findings,
        "flag form": reader.get(flags[2]).get_data(as_text=True),
        "the writer's own posts": writer.get("/forum/mine").get_data(as_text=True),
        "the writer's view of the thread": writer.get(url).get_data(as_text=True),
    }
    for name, html in pages.items():
        numbers = _numbers_in(html)
        leaked = [n for n in numbers if int(n) in {THREAD_ID, *POST_IDS}]
        assert not leaked, f"{name}: global ids {leaked} in {numbers}"
        if name in NO_NUMBERS:
            assert not numbers, f"{name}: numbers {numbers}"
    assert BODIES[2] in pages["flag form"]


@pytest.mark.usefixtures("forum_boards")
def test_token_urls_work_and_old_integer_urls_answer_404(app: Flask, forum: tuple[FlaskClient, str]) -> None:
    writer, url = forum
    reader = app.test_client()
    assert all(body in reader.get(url).get_data(as_text=True) for body in BODIES)
    assert reader.get(f"/forum/t/{THREAD_ID}").status_code == 404
    assert reader.get(f"/forum/t/{THREAD_ID}?after=1").status_code == 404
    assert reader.get(f"/forum/p/{POST_IDS[2]}/flag").status_code == 404
    token = get_csrf(reader, url)
    old_reply = reader.post(
        f"/forum/t/{THREAD_ID}/reply", data={"body": "Ett svar.", "action": "send", "csrf_token": token}
    )
    assert old_reply.status_code == 404
    old_flag = reader.post(f"/forum/p/{POST_IDS[2]}/flag", data={"reason": "spam", "csrf_token": token})
    assert old_flag.status_code == 404
    assert reader.get(f"{url}/4/flag").status_code == 404  # no fourth post in this thread
    flag_page = reader.get(f"{url}/3/flag")
    assert flag_page.status_code == 200 and BODIES[2] in flag_page.get_data(as_text=True)
    flagged = reader.post(
        f"{url}/3/flag", data={"reason": "spam", "csrf_token": csrf_from(flag_page.get_data(as_text=True))}
    )
    assert flagged.status_code == 303 and urlsplit(flagged.location).path == url
    status, _ = _reply(writer, url, "Ett fjärde inlägg i samma tråd, tack alla.")
    assert status == 303
    with Session(app.extensions["portal.engine"]) as db:
        last = db.scalars(sa.select(Post).order_by(Post.id.desc())).first()
        assert last is not None and (last.thread_id, last.id, last.seq) == (5, 8, 4)
