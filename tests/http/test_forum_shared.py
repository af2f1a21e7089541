"""A board shared by two organisations (issue 14 item 4): either one's appointed moderators
publish with one approval; nobody else reaches the board's posts, and no forum row or session
says which organisation a writer belongs to."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from portal.forum.models import Gate, Post, PostStatus, Thread
from portal.models import AuditEvent, User
from tests.csrf import csrf_from, get_csrf
from tests.forum_helpers import SLUG, new_thread, posts, seed, thread_url
from tests.moderation_helpers import events
from tests.shared_boards import SHARED, SHARED_NAME, logged_in, region

TITLE = "Hot i receptionen"
BODY = "En klient hotade oss i receptionen igår; hur gör ni med larmknappar?"
OWN_TITLE = "Bara i vår kommun"
PASSPHRASE = "regionens-kollegor-2026"


def _act(client: FlaskClient, url: str, **data: str) -> int:
    token = csrf_from(client.get("/moderation/forum").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data}).status_code


def _queue(client: FlaskClient) -> str:
    response = client.get("/moderation/forum")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_one_approval_by_either_organisation_publishes_the_shared_post(app: Flask) -> None:
    people = region(app)
    assert new_thread(app.test_client(), TITLE, BODY, action="send", slug=SHARED).status_code == 303
    (post,) = posts(app)
    anna, bert = logged_in(app, people.anna), logged_in(app, people.bert)
    assert TITLE in _queue(bert)
    assert _act(anna, f"/moderation/forum/posts/{post.id}/approve") == 303
    assert posts(app)[0].status is PostStatus.APPROVED
    assert BODY in app.test_client().get(thread_url(app, post.thread_id)).get_data(as_text=True)
    assert TITLE not in _queue(bert)
    # B's moderator approving afterwards changes nothing: the post is counted once.
    assert _act(bert, f"/moderation/forum/posts/{post.id}/approve") == 303
    with Session(app.extensions["portal.engine"]) as db:
        thread = db.get(Thread, post.thread_id)
        assert thread is not None and thread.approved_posts == 1
    assert events(app, f"forum:post:{post.id}") == ["forum:post:approved", "forum:post:approved"]


def test_moderators_not_appointed_or_not_taking_part_reach_nothing_of_the_shared_board(app: Flask) -> None:
    people = region(app)
    new_thread(app.test_client(), TITLE, BODY, action="send", slug=SHARED)
    (post,) = posts(app)
    for account in (people.bodil, people.cilla):
        client = logged_in(app, account)
        assert TITLE not in _queue(client)
        for action in ("approve", "reject"):
            assert _act(client, f"/moderation/forum/posts/{post.id}/{action}") == 404
        assert client.get(f"/moderation/forum/posts/{post.id}/redact").status_code == 404
        for action in ("lock", "hide"):
            assert _act(client, f"/moderation/forum/threads/{post.thread_id}/{action}") == 404
    assert posts(app)[0].status is PostStatus.PENDING


def test_an_organisations_own_board_is_invisible_to_another_organisations_moderators(app: Flask) -> None:
    people = region(app)
    new_thread(app.test_client(), OWN_TITLE, BODY, action="send", slug=SLUG)
    (post,) = posts(app)
    bert = logged_in(app, people.bert)
    assert OWN_TITLE not in _queue(bert)
    assert _act(bert, f"/moderation/forum/posts/{post.id}/approve") == 404
    settings = bert.get("/moderation/forum/settings").get_data(as_text=True)
    assert "Hot och trakasserier" not in settings and SHARED_NAME in settings
    assert OWN_TITLE in _queue(logged_in(app, people.anna))


def test_a_single_organisations_forum_names_no_organisation(app: Flask) -> None:
    seed(app)
    assert "Organisation 1" not in app.test_client().get("/forum/").get_data(as_text=True)


def test_the_public_forum_shows_the_shared_board_without_an_organisation(app: Flask) -> None:
    region(app)
    page = app.test_client().get("/forum/").get_data(as_text=True)
    assert SHARED_NAME in page
    assert "Kommun B" not in page
    # org1's own boards name it; the shared board's row names nobody.
    assert page.count("(Organisation 1)") == 4
    shared_row = page.split(SHARED_NAME)[1].split("</tr>")[0]
    assert "Organisation" not in shared_row


def test_no_forum_row_and_no_session_holds_the_writers_organisation(app: Flask) -> None:
    region(app)
    writer = app.test_client()
    new_thread(writer, TITLE, BODY, action="send", slug=SHARED)
    columns = {
        table: [column["name"] for column in inspect(app.extensions["portal.engine"]).get_columns(table)]
        for table in (Post.__tablename__, Thread.__tablename__)
    }
    assert [name for names in columns.values() for name in names if "organisation" in name] == []
    with writer.session_transaction() as session:
        # The writer's number in the thread, the notice and the session's clocks: nothing else.
        assert sorted(session.keys()) == ["_created", "_flashes", "_seen", "forum_writer_numbers"]
        assert session["forum_writer_numbers"] == {str(posts(app)[0].thread_id): 1}


def test_a_gate_over_a_group_of_boards_is_passed_once_and_remembered_by_its_id_only(app: Flask) -> None:
    region(app)
    result = app.test_cli_runner().invoke(
        args=["forum", "gate", f"{SHARED},pressade-beslut"], input=f"{PASSPHRASE}\n"
    )
    assert result.output == "2 boards are behind one passphrase\n"
    reader = app.test_client()
    assert reader.get(f"/forum/{SHARED}").headers["Location"] == f"/forum/gate?next=/forum/{SHARED}"
    assert reader.get(f"/forum/{SLUG}").status_code == 200  # not behind the gate
    assert reader.get("/forum/").status_code == 200  # the index lists every board
    token = get_csrf(reader, "/forum/gate")
    wrong = reader.post(f"/forum/gate?next=/forum/{SHARED}", data={"csrf_token": token, "passphrase": "fel"})
    assert wrong.status_code == 401
    right = reader.post(
        f"/forum/gate?next=/forum/{SHARED}", data={"csrf_token": token, "passphrase": PASSPHRASE}
    )
    assert right.status_code == 303 and right.headers["Location"] == f"/forum/{SHARED}"
    assert reader.get("/forum/pressade-beslut").status_code == 200  # the same gate: passed already
    with Session(app.extensions["portal.engine"]) as db:
        (gate_id,) = db.scalars(select(Gate.id))
    with reader.session_transaction() as session:
        assert {key: session[key] for key in session if not key.startswith("_")} == {
            "forum_gate_passed": [gate_id]
        }
    assert [org for org in _gate_events(app)] == [1, 2]  # the shared board's organisations


def _gate_events(app: Flask) -> list[int | None]:
    with Session(app.extensions["portal.engine"]) as db:
        query = select(AuditEvent.organisation_id).where(AuditEvent.event == "forum:gate:changed")
        return list(db.scalars(query.order_by(AuditEvent.id)))


def test_a_shared_board_is_checked_against_every_participants_words_and_an_own_board_against_its_own(
    app: Flask,
) -> None:
    people = region(app)
    bert = logged_in(app, people.bert)
    token = get_csrf(bert, "/moderation/forum/settings")
    saved = bert.post(
        "/moderation/forum/settings/words", data={"csrf_token": token, "word": "Larmknapp", "action": "block"}
    )
    assert saved.status_code == 303
    assert "larmknapp" not in logged_in(app, people.anna).get("/moderation/forum/settings").get_data(
        as_text=True
    )
    writer = app.test_client()
    assert new_thread(writer, TITLE, BODY, action="send", slug=SHARED).status_code == 400  # B's word
    assert new_thread(writer, TITLE, BODY, action="send", slug=SLUG).status_code == 303  # A's own board
    with Session(app.extensions["portal.engine"]) as db:
        slugs = [thread.board.slug for thread in db.scalars(select(Thread))]
    assert slugs == [SLUG]


def test_an_admin_appoints_a_moderator_of_their_own_organisation_for_shared_boards(app: Flask) -> None:
    people = region(app)
    new_thread(app.test_client(), TITLE, BODY, action="send", slug=SHARED)
    bert, bodil = logged_in(app, people.bert), logged_in(app, people.bodil)
    with Session(app.extensions["portal.engine"]) as db:
        ids = {name: user_id for name, user_id in db.execute(select(User.username, User.id))}
    token = csrf_from(bert.get("/moderation/users").get_data(as_text=True))
    assert "bodil: moderera delade delforum" in bert.get("/moderation/users").get_data(as_text=True)
    assert (
        bert.post(
            f"/moderation/users/{ids['bodil']}/shared-boards", data={"csrf_token": token, "appoint": "on"}
        ).status_code
        == 303
    )
    assert TITLE in _queue(bodil)
    assert (
        bert.post(
            f"/moderation/users/{ids['anna']}/shared-boards", data={"csrf_token": token, "appoint": "off"}
        ).status_code
        == 404
    )
    assert (
        bert.post(
            f"/moderation/users/{ids['bodil']}/shared-boards", data={"csrf_token": token, "appoint": "off"}
        ).status_code
        == 303
    )
    assert TITLE not in _queue(bodil)
    assert events(app, f"user:{ids['bodil']}")[-2:] == [
        "forum:moderator:appointed",
        "forum:moderator:appointed",
    ]
