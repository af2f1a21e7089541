"""The forum queue as a moderator reads it (issue 17 item 11): "Publicera" and "Publicera inte"
never look alike, not publishing comes first on a post that may be wrong, a post sent twice is
marked, and the redact page shows what may identify someone and lets the title be edited."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.forum.models import Post
from tests.accounts import Account, AuthActions
from tests.csrf import csrf_from, get_csrf
from tests.forum_helpers import new_thread, post_url, posts, reply, take_code, thread_url

PLAIN = "Det var tungt efter mötet med den arga anhörige, men kollegorna stöttade mig."
PHONE = "Ring mig på 070-123 45 67 om du vill prata."

PUBLISH_MAIN = '<button type="submit" class="button-publish">Publicera</button>'
PUBLISH_QUIET = '<button type="submit" class="button-publish button-quiet">Publicera</button>'
WITHHOLD_MAIN = '<button type="submit" class="button-withhold">Publicera inte</button>'
WITHHOLD_QUIET = '<button type="submit" class="button-withhold button-quiet">Publicera inte</button>'
SAFE_CHOICE = "Att inte publicera är det säkra valet här."


def _queue(client: FlaskClient) -> str:
    return client.get("/moderation/forum").get_data(as_text=True)


def _item(html: str, post_id: int) -> str:
    """One post's entry in the queue."""
    start = html.rindex("<article", 0, html.index(f'id="queued-{post_id}"'))
    end = html.find("<article", start + 1)
    return html[start : end if end != -1 else html.index("</main>")]


def _one_waiting(app: Flask, auth: AuthActions, admin: Account, title: str, text: str) -> Post:
    """A new thread sent to the queue by a writer, and the admin logged in to moderate it."""
    new_thread(app.test_client(), title, text, action="send")
    (post,) = posts(app)
    auth.login(admin)
    return post


def _approve(client: FlaskClient, post_id: int) -> None:
    token = csrf_from(_queue(client))
    assert (
        client.post(f"/moderation/forum/posts/{post_id}/approve", data={"csrf_token": token}).status_code
        == 303
    )


@pytest.mark.usefixtures("forum_boards")
def test_a_plain_post_offers_publishing_first_and_the_two_look_different(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    post = _one_waiting(app, auth, admin, "Efter mötet", PLAIN)
    item = _item(_queue(client), post.id)
    assert PUBLISH_MAIN in item and WITHHOLD_QUIET in item
    assert item.index("Publicera</button>") < item.index("Publicera inte</button>")
    assert SAFE_CHOICE not in item and "Dubblett" not in item


@pytest.mark.usefixtures("forum_boards")
def test_a_post_with_identifying_details_offers_not_publishing_first(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    post = _one_waiting(app, auth, admin, "Samtal", PHONE)
    item = _item(_queue(client), post.id)
    assert WITHHOLD_MAIN in item and PUBLISH_QUIET in item
    assert item.index("Publicera inte</button>") < item.index("Publicera</button>")
    assert (
        "Att inte publicera är det säkra valet här. Publicera först när du har kontrollerat det som är "
        "markerat ovan, eller redigera bort det."
    ) in item
    assert (
        '<article class="queue-item queue-item-flagged"' in item
        and "<strong>kan identifiera någon</strong>" in item
    )
    # The reason field belongs to not publishing: Enter in it does not publish.
    reject = item[item.index('action="/moderation/forum/posts/') : item.index(WITHHOLD_MAIN)]
    assert f"/posts/{post.id}/reject" in reject and 'name="reason"' in reject


@pytest.mark.usefixtures("forum_boards")
def test_a_post_readers_reported_offers_not_publishing_first(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    post = _one_waiting(app, auth, admin, "Efter mötet", PLAIN)
    _approve(client, post.id)
    reader = app.test_client()
    take_code(reader)
    flag_url = f"{post_url(app, post.id)}/flag"
    token = get_csrf(reader, flag_url)
    assert reader.post(flag_url, data={"reason": "identifying", "csrf_token": token}).status_code == 303
    item = _item(_queue(client), post.id)
    assert "anmält 1 gång" in item
    assert WITHHOLD_MAIN in item and PUBLISH_QUIET in item


@pytest.mark.usefixtures("forum_boards")
def test_a_post_with_a_watched_word_offers_not_publishing_first(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    auth.login(admin)
    token = get_csrf(client, "/moderation/forum/settings")
    words = {"csrf_token": token, "word": "polisanmälan", "action": "review"}
    assert client.post("/moderation/forum/settings/words", data=words).status_code == 303
    new_thread(
        app.test_client(),
        "Efter mötet",
        "Jag funderar på en polisanmälan efter det som hände.",
        action="send",
    )
    (post,) = posts(app)
    item = _item(_queue(client), post.id)
    assert "<strong>innehåller ett bevakat ord</strong>" in item
    assert WITHHOLD_MAIN in item and PUBLISH_QUIET in item


@pytest.mark.usefixtures("forum_boards")
def test_a_thread_sent_twice_is_marked_as_a_duplicate(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    writer = app.test_client()
    new_thread(writer, "Efter mötet", PLAIN, action="send")
    new_thread(writer, "Efter mötet", PLAIN.upper().replace(" ", "  "), action="send")  # case, spaces
    new_thread(writer, "Något annat", "En helt annan berättelse om en annan dag.", action="send")
    first, second, other = posts(app)
    auth.login(admin)
    html = _queue(client)
    copy = _item(html, second.id)
    assert '<strong class="badge">Dubblett</strong>' in copy
    assert "Samma text finns i ett tidigare inlägg i den här kön:" in copy
    assert (
        f'<a href="#queued-{first.id}">Efter mötet (Skribent 1, {first.created_on.isoformat()})</a>' in copy
    )
    assert "Troligen skickat två gånger: publiceras även det här syns texten två gånger." in copy
    assert WITHHOLD_MAIN in copy  # not publishing the copy is the safe choice
    assert "Dubblett" not in _item(html, first.id) and "Dubblett" not in _item(html, other.id)
    assert PUBLISH_MAIN in _item(html, first.id)


@pytest.mark.usefixtures("forum_boards")
def test_a_reply_sent_again_after_the_first_was_published_is_marked(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    writer = app.test_client()
    new_thread(writer, "Efter mötet", PLAIN, action="send")
    (opening,) = posts(app)
    auth.login(admin)
    _approve(client, opening.id)
    answer = "Samma hände mig förra året, du är inte ensam."
    reply(writer, opening.thread_id, answer, action="send")
    _approve(client, posts(app)[-1].id)
    # The same words again, from another browser (the same form sent twice from one browser is
    # received once: tests/http/test_forgiving_forms.py).
    reply(app.test_client(), opening.thread_id, answer, action="send")
    copy = posts(app)[-1]
    item = _item(_queue(client), copy.id)
    assert "Samma text har publicerats tidigare:" in item
    assert f'<a href="{thread_url(app, opening.thread_id)}#post-2">Efter mötet, inlägg 2</a>' in item


@pytest.mark.usefixtures("forum_boards")
def test_the_redact_page_marks_what_may_identify_someone_and_edits_the_title(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    post = _one_waiting(app, auth, admin, "Om Anna på Storgatan 12", PHONE)
    url = f"/moderation/forum/posts/{post.id}/redact"
    page = client.get(url).get_data(as_text=True)
    written = page[
        page.index('id="written-heading"') : page.index("<form", page.index('id="written-heading"'))
    ]
    assert "Markerad text kan identifiera någon: adress, namn, telefonnummer." in written
    assert '<mark title="telefonnummer">070-123 45 67</mark>' in written
    assert re.search(r'<mark title="adress">[^<]*Storgatan 12</mark>', written)
    assert 'name="title"' in page and 'value="Om Anna på Storgatan 12"' in page
    token = csrf_from(page)
    done = client.post(
        url, data={"csrf_token": token, "title": "Om en kollega", "body": "Ring mig om du vill prata."}
    )
    assert done.status_code == 303
    public = app.test_client().get(thread_url(app, post.thread_id)).get_data(as_text=True)
    assert "Om en kollega" in public and "Storgatan" not in public and "070-123" not in public


@pytest.mark.usefixtures("forum_boards")
def test_an_empty_title_is_refused_with_the_edit_kept(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    post = _one_waiting(app, auth, admin, "Om Anna på Storgatan 12", PHONE)
    url = f"/moderation/forum/posts/{post.id}/redact"
    token = get_csrf(client, url)
    refused = client.post(
        url, data={"csrf_token": token, "title": "  ", "body": "Ring mig om du vill prata."}
    )
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "Ge tråden en rubrik." in page and ">\r\nRing mig om du vill prata.</textarea>" in page
    assert posts(app)[0].status.value == "pending"


@pytest.mark.usefixtures("forum_boards")
def test_editing_a_reply_leaves_the_title_alone(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    writer = app.test_client()
    new_thread(writer, "Efter mötet", PLAIN, action="send")
    (opening,) = posts(app)
    reply(writer, opening.thread_id, PHONE, action="send")
    answer = posts(app)[-1]
    auth.login(admin)
    url = f"/moderation/forum/posts/{answer.id}/redact"
    page = client.get(url).get_data(as_text=True)
    assert 'name="title"' not in page and '<mark title="telefonnummer">070-123 45 67</mark>' in page
    token = csrf_from(page)
    data = {"csrf_token": token, "title": "Kapad rubrik", "body": "Hör av dig om du vill prata."}
    assert client.post(url, data=data).status_code == 303
    public = app.test_client().get(thread_url(app, opening.thread_id)).get_data(as_text=True)
    assert "<h1>Efter mötet</h1>" in public and "Kapad rubrik" not in public
