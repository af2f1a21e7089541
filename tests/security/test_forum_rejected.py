"""A refused forum post is not kept (issue 13 item 7).

The attack: whoever gets the database or a backup (DESIGN.md §2, threats 2 and 6) reads the
posts moderators refused, which are often exactly the ones that identify someone. On refusal the
post's text (and, for a refused first post, the thread's title) is blanked; the moderator's
reason stays, and the writer with a forum code still sees it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal.db import Base
from portal.forum import moderation
from portal.forum.models import Post, PostStatus, Thread
from tests.accounts import Account, AuthActions
from tests.csrf import csrf_from
from tests.forum_helpers import new_thread, posts, reply, take_code

TITLE_CANARY = "CANARY-REFUSED-TITLE-71c2"
BODY_CANARY = "CANARY-REFUSED-BODY-0b9e"
REPLY_CANARY = "CANARY-REFUSED-REPLY-e35a"
KEPT = "Ett publicerat inlägg som ska finnas kvar efter avslaget."
REASONS = ("Rubriken pekar ut en kollega.", "Svaret nämner en klient vid namn.")


def _row_texts(app: Flask) -> Iterator[tuple[str, str]]:
    """(table, value) for every value of every row of every table, as text and as bytes decoded."""
    with app.extensions["portal.engine"].connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(sa.select(table)):
                for value in row:
                    if isinstance(value, (bytes, memoryview)):
                        yield table.name, bytes(value).decode("latin-1")
                    else:
                        yield table.name, str(value)


def _tables_holding(app: Flask, text: str) -> set[str]:
    return {table for table, value in _row_texts(app) if text in value}


def _reject(moderator: FlaskClient, post_id: int, reason: str) -> int:
    token = csrf_from(moderator.get("/moderation/forum").get_data(as_text=True))
    url = f"/moderation/forum/posts/{post_id}/reject"
    return int(moderator.post(url, data={"csrf_token": token, "reason": reason}).status_code)


@pytest.mark.usefixtures("forum_boards")
def test_a_refused_post_leaves_no_text_in_any_row_but_keeps_its_reason(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    writer = app.test_client()
    take_code(writer)
    assert (
        new_thread(writer, f"Rubrik {TITLE_CANARY}", f"Text {BODY_CANARY}", action="send").status_code == 303
    )
    assert new_thread(writer, "En tråd som publiceras", KEPT, action="send").status_code == 303
    refused_first, published = posts(app)
    with Session(app.extensions["portal.engine"]) as db:
        moderation.approve(db, published.id, None)
        db.commit()
    assert reply(writer, published.thread_id, f"Svar {REPLY_CANARY}", action="send").status_code == 303
    refused_reply = posts(app)[-1]
    auth.login(admin)
    assert _tables_holding(app, BODY_CANARY) == {"forum_posts"}  # the control: the scan sees them
    assert _tables_holding(app, TITLE_CANARY) == {"forum_threads"}
    assert _reject(client, refused_first.id, REASONS[0]) == 303
    assert _reject(client, refused_reply.id, REASONS[1]) == 303
    for canary in (TITLE_CANARY, BODY_CANARY, REPLY_CANARY):
        assert _tables_holding(app, canary) == set(), canary
    assert _tables_holding(app, REASONS[0]) == {"forum_posts"}
    assert _tables_holding(app, REASONS[1]) == {"forum_posts"}
    assert _tables_holding(app, KEPT) == {"forum_posts"}  # the published post is untouched
    with Session(app.extensions["portal.engine"]) as db:
        first = db.get(Post, refused_first.id)
        assert first is not None and first.status is PostStatus.REJECTED and first.body == ""
        thread = db.get(Thread, refused_first.thread_id)
        assert thread is not None and thread.title == ""
        kept = db.get(Thread, published.thread_id)
        assert kept is not None and kept.title == "En tråd som publiceras"
    mine = writer.get("/forum/mine").get_data(as_text=True)
    assert REASONS[0] in mine and REASONS[1] in mine
    assert not any(canary in mine for canary in (TITLE_CANARY, BODY_CANARY, REPLY_CANARY))
    page = app.test_client().get("/forum/hot-och-trakasserier").get_data(as_text=True)
    assert "En tråd som publiceras" in page
