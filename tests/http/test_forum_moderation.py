"""Forum moderation over HTTP: queue, publish, refuse with reason, edit out, lock, hide, settings."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.forum import moderation
from portal.forum.models import PostStatus
from tests.accounts import Account, AccountFactory, AuthActions
from tests.csrf import csrf_from, get_csrf
from tests.forum_helpers import board_id, last_thread_id, new_thread, posts, reply, take_code, thread_url
from tests.moderation_helpers import events

PLAIN = "Det var tungt efter mötet med den arga anhörige, men kollegorna stöttade mig."


def _post_action(client: FlaskClient, url: str, **data: str) -> int:
    token = csrf_from(client.get("/moderation/forum").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data}).status_code


@pytest.mark.usefixtures("forum_boards")
def test_queue_lists_pending_posts_with_findings_and_publishing_works(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    writer = app.test_client()
    new_thread(writer, "Först", PLAIN)
    new_thread(writer, "Sedan", "Ring mig på 070-123 45 67 om du vill prata.", action="send")
    auth.login(admin)
    html = client.get("/moderation/forum").get_data(as_text=True)
    assert html.index("Först") < html.index("Sedan")  # oldest first
    assert "070-123 45 67</mark>" in html
    first, second = posts(app)
    assert _post_action(client, f"/moderation/forum/posts/{first.id}/approve") == 303
    assert PLAIN in app.test_client().get(thread_url(app, first.thread_id)).get_data(as_text=True)
    assert "forum:post:approved" in events(app, f"forum:post:{first.id}")


@pytest.mark.usefixtures("forum_boards")
def test_refused_post_shows_the_reason_to_a_writer_with_a_code(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    writer = app.test_client()
    take_code(writer)
    new_thread(writer, "Om kollegan", "Min kollega på enheten gör alltid så här.", action="send")
    (post,) = posts(app)
    auth.login(admin)
    assert (
        _post_action(client, f"/moderation/forum/posts/{post.id}/reject", reason="Kan peka ut en kollega.")
        == 303
    )
    assert posts(app)[0].status is PostStatus.REJECTED
    assert "Kan peka ut en kollega." in writer.get("/forum/mine").get_data(as_text=True)


@pytest.mark.usefixtures("forum_boards")
def test_redacted_post_is_published_and_marked(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    new_thread(app.test_client(), "Hot", "Anna Svensson på Storgatan 12 hotade mig.", action="send")
    (post,) = posts(app)
    auth.login(admin)
    token = get_csrf(client, f"/moderation/forum/posts/{post.id}/redact")
    response = client.post(
        f"/moderation/forum/posts/{post.id}/redact",
        data={"csrf_token": token, "body": "En klient hotade mig."},
    )
    assert response.status_code == 303
    page = app.test_client().get(thread_url(app, post.thread_id)).get_data(as_text=True)
    assert (
        "En klient hotade mig." in page
        and "Anna Svensson" not in page
        and "redigerat av en moderator" in page
    )


@pytest.mark.usefixtures("forum_boards")
def test_redaction_and_publication_are_one_transaction(app: Flask) -> None:
    """Never the original text published, nor an edit stored but left unpublished."""
    new_thread(app.test_client(), "Hot", "Anna Svensson på Storgatan 12 hotade mig.", action="send")
    (post,) = posts(app)
    commits: list[int] = []
    with Session(app.extensions["portal.engine"]) as db:
        event.listen(db, "after_commit", lambda _: commits.append(1))
        moderation.redact(db, post.id, "En klient hotade mig.", None)
        db.commit()  # the caller's one commit holds the edit and the publication together
    assert commits == [1]
    assert events(app, f"forum:post:{post.id}")[-2:] == ["forum:post:redacted", "forum:post:approved"]


@pytest.mark.usefixtures("forum_boards")
def test_locked_thread_takes_no_replies_and_hidden_thread_disappears(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    writer = app.test_client()
    new_thread(writer, "Tråden", PLAIN)
    (post,) = posts(app)
    auth.login(admin)
    _post_action(client, f"/moderation/forum/posts/{post.id}/approve")
    thread_id = last_thread_id(app)
    assert _post_action(client, f"/moderation/forum/threads/{thread_id}/lock") == 303
    assert reply(writer, thread_id, "Ett svar till i tråden.", action="send").status_code == 403
    assert _post_action(client, f"/moderation/forum/threads/{thread_id}/hide") == 303
    assert app.test_client().get(thread_url(app, thread_id)).status_code == 404
    logged = events(app, f"forum:thread:{thread_id}")
    assert "forum:thread:locked" in logged and "forum:thread:hidden" in logged


@pytest.mark.usefixtures("forum_boards")
def test_settings_words_post_moderation_slow_mode_and_gate(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    auth.login(admin)
    token = get_csrf(client, "/moderation/forum/settings")
    client.post(
        "/moderation/forum/settings/words", data={"csrf_token": token, "word": "Idiot", "action": "block"}
    )
    client.post(
        "/moderation/forum/settings/words", data={"csrf_token": token, "word": "polisen", "action": "review"}
    )
    bid = board_id(app)
    refused = client.post(
        f"/moderation/forum/settings/boards/{bid}",
        data={
            "csrf_token": token,
            f"board{bid}-name_sv": "",
            f"board{bid}-name_en": "Threats",
            f"board{bid}-moderation": "post",
            f"board{bid}-slow_mode_seconds": "-5",
        },
    )
    summary = refused.get_data(as_text=True).split('class="error-summary"')[1].split("</div>")[0]
    assert refused.status_code == 400 and "Namn på svenska" in summary and "Långsamt läge" in summary
    saved = client.post(
        f"/moderation/forum/settings/boards/{bid}",
        data={
            "csrf_token": token,
            f"board{bid}-name_sv": "Hot",
            f"board{bid}-name_en": "Threats",
            f"board{bid}-moderation": "post",
            f"board{bid}-slow_mode_seconds": "60",
        },
    )
    assert saved.status_code == 303
    writer = app.test_client()
    blocked = new_thread(writer, "Rubrik", "Han kallade mig idiot inför alla.", action="send")
    assert blocked.status_code == 400 and posts(app) == []
    assert new_thread(writer, "Direkt", PLAIN, action="send").status_code == 303
    assert posts(app)[0].status is PostStatus.APPROVED  # post-moderated board: public at once
    slowed = new_thread(writer, "Igen", "Ännu en tråd direkt efter den förra.", action="send")
    assert slowed.status_code == 429
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.5"
    assert new_thread(other, "Polis", "Jag pratade med polisen om det.", action="send").status_code == 303
    assert posts(app)[-1].status is PostStatus.PENDING  # a review word holds it back
    gate = client.post(
        "/moderation/forum/settings/gate", data={"csrf_token": token, "passphrase": "vi-ar-kollegor-2026"}
    )
    assert gate.status_code == 303
    reader = app.test_client()
    assert reader.get("/forum/").status_code == 302
    wrong = reader.post(
        "/forum/gate?next=/forum/", data={"csrf_token": get_csrf(reader, "/forum/gate"), "passphrase": "fel"}
    )
    assert wrong.status_code == 401
    right = reader.post(
        "/forum/gate?next=/forum/",
        data={"csrf_token": get_csrf(reader, "/forum/gate"), "passphrase": "vi-ar-kollegor-2026"},
    )
    assert right.status_code == 303 and reader.get("/forum/").status_code == 200


@pytest.mark.usefixtures("forum_boards")
def test_moderators_cannot_change_settings_and_nobody_logged_out_can_moderate(
    app: Flask, client: FlaskClient, admin: Account, moderator: AccountFactory, auth: AuthActions
) -> None:
    new_thread(app.test_client(), "Tråd", PLAIN)
    (post,) = posts(app)
    assert app.test_client().get("/moderation/forum").status_code == 302
    mona = moderator("mona")
    auth.login(mona)
    assert client.get("/moderation/forum").status_code == 200
    assert client.get("/moderation/forum/settings").status_code == 403
    assert "Skribent 1" in client.get("/moderation/forum").get_data(as_text=True)
    assert "forum_code" not in client.get("/moderation/forum").get_data(as_text=True)
    assert _post_action(client, f"/moderation/forum/posts/{post.id}/approve") == 303


@pytest.mark.usefixtures("forum_boards")
@pytest.mark.parametrize("number", ["9" * 400, "1" + "0" * 20, "3601"])
def test_a_huge_number_of_seconds_is_refused_with_a_message(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions, number: str
) -> None:
    # 400 digits made NumberRange ask math.isnan() of an int too large for a float: a 500.
    auth.login(admin)
    token = get_csrf(client, "/moderation/forum/settings")
    bid = board_id(app)
    refused = client.post(
        f"/moderation/forum/settings/boards/{bid}",
        data={
            "csrf_token": token,
            f"board{bid}-name_sv": "Hot",
            f"board{bid}-name_en": "Threats",
            f"board{bid}-moderation": "post",
            f"board{bid}-slow_mode_seconds": number,
        },
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Långsamt läge" in page.split('class="error-summary"')[1]
    assert f'value="{number}"' in page  # what was typed is still in the field


@pytest.mark.usefixtures("forum_boards")
def test_a_reason_too_long_is_refused_with_the_queue_and_the_text_kept(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    # The field had maxlength="500": a pasted longer reason was cut without a word, and a longer
    # one posted anyway got a bare 400 page with the text gone.
    writer = app.test_client()
    new_thread(writer, "Om kollegan", "Min kollega på enheten gör alltid så här.", action="send")
    (post,) = posts(app)
    auth.login(admin)
    reason = "Inlägget beskriver en händelse som bara ett fåtal personer känner till. " * 8
    token = csrf_from(client.get("/moderation/forum").get_data(as_text=True))
    refused = client.post(
        f"/moderation/forum/posts/{post.id}/reject", data={"csrf_token": token, "reason": reason}
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and len(reason) > 500
    assert f'value="{reason}"' in page  # what was typed is still in the field
    assert "Skälet får vara högst 500 tecken långt." in page
    assert 'maxlength="500"' not in page
    assert posts(app)[0].status is PostStatus.PENDING  # nothing changed
