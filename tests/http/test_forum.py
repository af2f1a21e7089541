"""The forum from the staff member's side: read, write, identification warnings, codes, flags."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.forum.models import PostStatus
from tests.accounts import Account
from tests.csrf import csrf_from, get_csrf
from tests.forum_helpers import last_thread_id, new_thread, post_url, posts, reply, take_code, thread_url

PLAIN = "Jag blev utskälld i receptionen efter ett avslag och mådde dåligt resten av veckan."


def _approve_all(app: Flask) -> None:
    from sqlalchemy.orm import Session

    from portal.forum import moderation
    from portal.forum.models import Post

    with Session(app.extensions["portal.engine"]) as db:
        for post in db.query(Post).filter(Post.status == PostStatus.PENDING).all():
            moderation.approve(db, post.id, None)
        db.commit()


@pytest.mark.usefixtures("forum_boards")
def test_boards_are_listed_in_both_languages(client: FlaskClient) -> None:
    swedish = client.get("/forum/").get_data(as_text=True)
    assert "Hot och trakasserier" in swedish and "Stöd och råd" in swedish
    english = client.get("/forum/?lang=en").get_data(as_text=True)
    assert "Threats and harassment" in english and "Support and advice" in english


@pytest.mark.usefixtures("forum_boards")
def test_nothing_is_public_before_a_moderator_approves(app: Flask, client: FlaskClient) -> None:
    response = new_thread(client, "Utskälld i receptionen", PLAIN)
    assert response.status_code == 303 and response.location.endswith("/forum/hot-och-trakasserier")
    # Without a forum code the writer cannot see the waiting thread: back to the board, with thanks.
    assert "moderator har läst det" in client.get(response.location).get_data(as_text=True)
    (post,) = posts(app)
    assert post.status is PostStatus.PENDING and post.pseudonym == "Skribent 1"
    reader = app.test_client()
    assert "Utskälld i receptionen" not in reader.get("/forum/hot-och-trakasserier").get_data(as_text=True)
    assert reader.get(thread_url(app, post.thread_id)).status_code == 404
    _approve_all(app)
    assert PLAIN in reader.get(thread_url(app, post.thread_id)).get_data(as_text=True)


@pytest.mark.usefixtures("forum_boards")
def test_identifying_details_are_shown_before_sending(app: Flask, client: FlaskClient) -> None:
    body = "Klienten Anna Svensson ringde från 070-123 45 67 och sa att hon vet var jag bor."
    preview = new_thread(client, "Hot i telefon", body)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and posts(app) == []
    assert "<mark" in html and "070-123 45 67</mark>" in html
    assert "Skicka ändå" in html
    assert new_thread(client, "Hot i telefon", body, action="send").status_code == 303
    assert len(posts(app)) == 1


@pytest.mark.usefixtures("forum_boards")
def test_a_writer_keeps_their_per_thread_pseudonym_and_others_get_the_next(
    app: Flask, client: FlaskClient
) -> None:
    new_thread(client, "Efter hotet", PLAIN)
    _approve_all(app)
    thread_id = last_thread_id(app)
    reply(client, thread_id, "Tack alla för stödet, det hjälper att läsa.")
    other = app.test_client()
    reply(other, thread_id, "Samma hände mig förra året, du är inte ensam.")
    assert [p.pseudonym for p in posts(app)] == ["Skribent 1", "Skribent 1", "Skribent 2"]


@pytest.mark.usefixtures("forum_boards")
def test_forum_code_gives_a_stable_pseudonym_and_shows_own_pending_posts(
    app: Flask, client: FlaskClient
) -> None:
    code = take_code(client)
    client.post("/forum/code/receipt", data={"csrf_token": get_csrf(client, "/forum/code/receipt")})
    new_thread(client, "Om att bli uthängd", PLAIN)
    (post,) = posts(app)
    assert post.pseudonym != "Skribent 1" and " " in post.pseudonym
    assert PLAIN in client.get(thread_url(app, post.thread_id)).get_data(as_text=True)  # own pending post
    assert app.test_client().get(thread_url(app, post.thread_id)).status_code == 404  # nobody else's
    later = app.test_client()
    token = get_csrf(later, "/forum/code")
    assert later.post("/forum/code", data={"code": code.lower(), "csrf_token": token}).status_code == 303
    assert post.pseudonym in later.get("/forum/mine").get_data(as_text=True)
    wrong = app.test_client()
    refused = wrong.post(
        "/forum/code", data={"code": "0000-0000-0000-0000", "csrf_token": get_csrf(wrong, "/forum/code")}
    )
    assert refused.status_code == 401


@pytest.mark.usefixtures("forum_boards")
def test_flags_past_the_threshold_hide_a_post(app: Flask, client: FlaskClient) -> None:
    new_thread(client, "Tråd", PLAIN)
    _approve_all(app)
    (post,) = posts(app)
    flag_url = f"{post_url(app, post.id)}/flag"
    for _ in range(app.config["PORTAL"].forum_flag_threshold):
        reader = app.test_client()  # distinct flaggers: each with a forum code of their own
        take_code(reader)
        token = get_csrf(reader, flag_url)
        assert reader.post(flag_url, data={"reason": "identifying", "csrf_token": token}).status_code == 303
    assert PLAIN not in app.test_client().get(thread_url(app, post.thread_id)).get_data(as_text=True)


@pytest.mark.usefixtures("forum_boards")
def test_posts_are_inert_plain_text(app: Flask, client: FlaskClient) -> None:
    payload = '<script>alert(1)</script> <img src=x onerror=alert(1)> https://evil.example/x "quoted"'
    new_thread(client, '<b onmouseover="alert(1)">rubrik</b>', "rad ett\nrad två " + payload, action="send")
    _approve_all(app)
    html = client.get(thread_url(app, last_thread_id(app))).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html and '<a href="https://evil.example' not in html
    assert "&lt;b onmouseover=" in html
    assert "rad ett\nrad två" in html


@pytest.mark.usefixtures("forum_boards")
def test_bad_input_is_refused_and_nothing_is_stored(app: Flask, client: FlaskClient) -> None:
    token = get_csrf(client, "/forum/hot-och-trakasserier/new")
    cases = [
        {"title": "", "body": PLAIN},
        {"title": "x" * 201, "body": PLAIN},
        {"title": "Rubrik", "body": ""},
        {"title": "Rubrik", "body": "y" * 100_001},
        {"title": "Rubrik", "body": "nul\x00tecken i texten"},
        {"title": "Rubrik", "body": PLAIN, "website": "spam"},
    ]
    for data in cases:
        response = client.post(
            "/forum/hot-och-trakasserier/new", data={**data, "csrf_token": token, "action": "send"}
        )
        assert response.status_code == 400, data
    assert posts(app) == []
    assert client.get("/forum/no-such-board").status_code == 404


@pytest.mark.usefixtures("forum_boards")
def test_reading_needs_no_account(app: Flask, admin: Account) -> None:
    assert app.test_client().get("/forum/").status_code == 200
    assert csrf_from(app.test_client().get("/forum/hot-och-trakasserier/new").get_data(as_text=True))
