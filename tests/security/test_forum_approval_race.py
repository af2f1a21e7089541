"""The race: a moderator of each organisation sharing a board presses *Publish* on the same post
at the same instant. One approval publishes; the other finds it published already: no error, and
the thread counts the post once (the post row is locked while it is approved)."""

from __future__ import annotations

import threading

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal.forum.models import PostStatus, Thread
from tests.csrf import csrf_from
from tests.forum_helpers import new_thread, posts
from tests.shared_boards import SHARED, logged_in, region

ROUNDS = 3  # posts, each approved by both organisations at once


def test_two_organisations_approving_one_post_at_once_publish_it_once(app: Flask) -> None:
    people = region(app)
    writer = app.test_client()
    for number in range(ROUNDS):
        new_thread(
            writer,
            f"Tråd {number}",
            f"Inlägg nummer {number} på den delade tavlan.",
            action="send",
            slug=SHARED,
        )
    clients: list[FlaskClient] = [logged_in(app, people.anna), logged_in(app, people.bert)]
    tokens = [csrf_from(client.get("/moderation/forum").get_data(as_text=True)) for client in clients]
    statuses: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    for post in posts(app):
        barrier = threading.Barrier(len(clients))

        def approve(client: FlaskClient, token: str, post_id: int, barrier: threading.Barrier) -> None:
            try:
                barrier.wait(timeout=30)
                response = client.post(
                    f"/moderation/forum/posts/{post_id}/approve", data={"csrf_token": token}
                )
                with lock:
                    statuses.append(response.status_code)
            except BaseException as error:  # a thread's failure must fail the test, not vanish
                with lock:
                    errors.append(error)
                barrier.abort()

        threads = [
            threading.Thread(target=approve, args=(client, token, post.id, barrier))
            for client, token in zip(clients, tokens, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert not errors, errors
    assert statuses == [303] * (2 * ROUNDS)
    assert [post.status for post in posts(app)] == [PostStatus.APPROVED] * ROUNDS
    with Session(app.extensions["portal.engine"]) as db:
        counts = [thread.approved_posts for thread in db.query(Thread).order_by(Thread.id)]
    assert counts == [1] * ROUNDS
