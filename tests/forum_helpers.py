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
from tests.conftest import csrf_from, get_csrf  # noqa: F401

SLUG = "hot-och-trakasserier"


def seed(app: Flask) -> None:
    with Session(app.extensions["portal.engine"]) as db:
        service.seed_default_boards(db)
        db.commit()


def new_thread(client: FlaskClient, title: str, body: str, action: str = "check", slug: str = SLUG) -> Any:
    token = get_csrf(client, f"/forum/{slug}/new")
    return client.post(
        f"/forum/{slug}/new", data={"title": title, "body": body, "action": action, "csrf_token": token}
    )


def reply(client: FlaskClient, thread_id: int, body: str, action: str = "check") -> Any:
    token = get_csrf(client, f"/forum/{SLUG}/new")
    return client.post(
        f"/forum/t/{thread_id}/reply", data={"body": body, "action": action, "csrf_token": token}
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
