"""Helpers for forum tests."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.forum import service
from portal.forum.models import Board, Post, Thread
from tests.csrf import csrf_from, get_csrf

SLUG = "hot-och-trakasserier"


def seed(app: Flask) -> None:
    """The default boards, committed (the ``forum_boards`` fixture, for apps no fixture owns)."""
    with Session(app.extensions["portal.engine"]) as db:
        service.seed_default_boards(db)
        db.commit()


def new_thread(client: FlaskClient, title: str, body: str, action: str = "check", slug: str = SLUG) -> Any:
    token = get_csrf(client, f"/forum/{slug}/new")
    return client.post(
        f"/forum/{slug}/new", data={"title": title, "body": body, "action": action, "csrf_token": token}
    )


def thread_url(app: Flask, thread_id: int) -> str:
    """The thread's public URL: its token, never its id (issue 13 item 8)."""
    with Session(app.extensions["portal.engine"]) as db:
        token = db.scalar(select(Thread.token).where(Thread.id == thread_id))
        assert token is not None
        return f"/forum/t/{token}"


def post_url(app: Flask, post_id: int) -> str:
    """A post's public flag URL: its thread's token and its number in the thread."""
    with Session(app.extensions["portal.engine"]) as db:
        post = db.get(Post, post_id)
        assert post is not None
        return f"/forum/t/{post.thread.token}/{post.seq}"


def reply(client: FlaskClient, thread_id: int, body: str, action: str = "check") -> Any:
    token = get_csrf(client, f"/forum/{SLUG}/new")
    return client.post(
        f"{thread_url(client.application, thread_id)}/reply",
        data={"body": body, "action": action, "csrf_token": token},
    )


def posts(app: Flask) -> list[Post]:
    with Session(app.extensions["portal.engine"], expire_on_commit=False) as db:
        rows = list(db.scalars(select(Post).order_by(Post.id)))
        db.expunge_all()
        return rows


def last_thread_id(app: Flask) -> int:
    with Session(app.extensions["portal.engine"]) as db:
        value = db.scalar(select(Thread.id).order_by(Thread.id.desc()))
        assert value is not None
        return value


def board_id(app: Flask, slug: str = SLUG) -> int:
    with Session(app.extensions["portal.engine"]) as db:
        value = db.scalar(select(Board.id).where(Board.slug == slug))
        assert value is not None
        return value


def take_code(client: FlaskClient) -> str:
    token = csrf_from(client.get("/forum/").get_data(as_text=True))
    assert client.post("/forum/code/new", data={"csrf_token": token}).status_code == 303
    match = re.search(
        r"data-receipt-code>([0-9A-Z-]+)<", client.get("/forum/code/receipt").get_data(as_text=True)
    )
    assert match
    return match.group(1)
