"""Nobody loses what they typed (issue 17, items 1, 2 and 4), from the reporter's and the forum
writer's side: each failure is performed over HTTP, the text comes back, and the rows are counted
so that nothing is stored twice.
"""

from __future__ import annotations

import io
import re
import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.cases.models import Message
from portal.config import Config
from portal.forum.models import PostStatus
from tests.accounts import Account
from tests.csrf import csrf_from, get_csrf
from tests.forum_helpers import SLUG, last_thread_id, posts, thread_url
from tests.reporting_helpers import DESCRIPTION, case_page, open_with_code, report_and_get_code, report_count

ALREADY = (
    "This report was already received. Your code was on the receipt page. If you did not write it "
    "down, send a new report and say so."
)
POST_ALREADY = "This post was already received: you need not send it again."
LIMITED = re.compile(
    r"This form has been sent as often as the portal takes from your network in an hour\. Nothing was "
    r"sent and your text is kept below: send it again after (\d\d):(\d\d) \(in about (\d+) minutes?\)\."
)
EXPIRED = "The form has expired. Send it again."
REPORT = {"kind": "influence", "category": "threats", "area": "income_support", "description": DESCRIPTION}
LONGEST_SESSION = 8 * 60 * 60  # seconds: no form token lives longer
REPORTER_IDLE = 20 * 60  # seconds
THREAD = {
    "title": "Efter hotet i receptionen",
    "body": "Jag blev utskälld efter ett avslag och mådde dåligt.",
}


@pytest.fixture
def config(config: Config) -> Config:
    """The limits of the issue's account (the defaults are larger: docs/configuration.md)."""
    return config.replace(limit_report_submit="5 per hour", limit_forum_post="3 per hour")


@pytest.fixture
def client(client: FlaskClient) -> FlaskClient:
    client.set_cookie("lang", "en")  # the assertions read the English texts
    return client


def _travel(monkeypatch: Any, seconds: int) -> None:
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + seconds)


def _send(client: FlaskClient, url: str, data: dict[str, Any], token: str | None = None) -> Any:
    fields = {**data, "csrf_token": token or get_csrf(client, url)}
    kind = "multipart/form-data" if "attachments" in fields else "application/x-www-form-urlencoded"
    return client.post(url, data=fields, content_type=kind)


def _text(response: Any) -> str:
    return str(response.get_data(as_text=True))


# --- the rate limit (item 2) ---------------------------------------------------------------------


def test_refused_forms_do_not_count_and_the_sixth_report_comes_back_with_its_text(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    for _ in range(5):  # five refused forms cost nothing
        assert _send(client, "/report", {**REPORT, "description": "kort"}).status_code == 400
    for n in range(5):
        assert _send(client, "/report", {**REPORT, "description": f"{DESCRIPTION} ({n})"}).status_code == 303
    sixth = _send(client, "/report", {**REPORT, "description": f"{DESCRIPTION} (sjätte)"})
    assert sixth.status_code == 429
    page = _text(sixth)
    assert f"{DESCRIPTION} (sjätte)" in page and 'name="kind"' in page
    when = LIMITED.search(page)
    assert when, page
    assert when.group(2) and 1 <= int(when.group(3)) <= 60  # within the hour's window
    assert report_count(app) == 5
    # The same text, sent again once the limit is whole, is one report more (and no duplicate).
    again = _send(client, "/report", {**REPORT, "description": f"{DESCRIPTION} (sjätte)"})
    assert again.status_code == 429 and report_count(app) == 5


def test_the_limit_is_whole_again_after_the_hour(
    app: Flask, client: FlaskClient, admin: Account, backend: str, monkeypatch: Any
) -> None:
    if backend != "sqlite":
        pytest.skip("Redis expires its entries on its own clock: no time travel")
    for n in range(5):
        assert _send(client, "/report", {**REPORT, "description": f"{DESCRIPTION} ({n})"}).status_code == 303
    assert _send(client, "/report", REPORT).status_code == 429
    _travel(monkeypatch, 2 * 60 * 60)
    assert _send(client, "/report", REPORT).status_code == 303
    assert report_count(app) == 6


# --- a form sent twice (item 4) -----------------------------------------------------------------


def test_a_report_sent_twice_is_received_once(app: Flask, client: FlaskClient, admin: Account) -> None:
    token = get_csrf(client, "/report")
    assert _send(client, "/report", REPORT, token).status_code == 303
    twice = _send(client, "/report", REPORT, token)  # a second click on the same page
    assert twice.status_code == 409 and ALREADY in _text(twice) and DESCRIPTION in _text(twice)
    back = _send(client, "/report", REPORT)  # "Back": the page fetched anew, the text filled in again
    assert back.status_code == 409 and ALREADY in _text(back)
    assert report_count(app) == 1
    said_so = {**REPORT, "description": DESCRIPTION + " Jag skickade detta nyss men tappade koden."}
    assert _send(client, "/report", said_so).status_code == 303
    assert report_count(app) == 2


def test_two_people_may_send_the_same_words(app: Flask, client: FlaskClient, admin: Account) -> None:
    other = app.test_client()
    assert _send(client, "/report", REPORT).status_code == 303
    assert _send(other, "/report", REPORT).status_code == 303
    assert report_count(app) == 2


def test_a_refused_file_lists_its_name_and_the_text_can_be_sent_again(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    bad = {**REPORT, "attachments": [(io.BytesIO(b"\x00\x01MZ not a document"), "program.exe")]}
    refused = _send(client, "/report", bad)
    assert refused.status_code == 400
    page = _text(refused)
    assert "Files cannot be kept in a form that comes back: attach them again (program.exe)." in page
    assert DESCRIPTION in page
    assert _send(client, "/report", REPORT).status_code == 303  # not taken for a duplicate
    assert report_count(app) == 1


def test_an_expired_form_comes_back_and_is_received_once(
    app: Flask, client: FlaskClient, admin: Account, monkeypatch: Any
) -> None:
    token = get_csrf(client, "/report")
    _travel(monkeypatch, LONGEST_SESSION + 60)
    expired = _send(client, "/report", REPORT, token)
    assert expired.status_code == 400 and EXPIRED in _text(expired) and DESCRIPTION in _text(expired)
    assert report_count(app) == 0
    fresh = csrf_from(_text(expired))
    assert _send(client, "/report", REPORT, fresh).status_code == 303
    assert _send(client, "/report", REPORT, fresh).status_code == 409
    assert report_count(app) == 1


# --- the forum ----------------------------------------------------------------------------------


def _approve_all(app: Flask) -> None:
    from portal.forum import moderation
    from portal.forum.models import Post

    with Session(app.extensions["portal.engine"]) as db:
        for post in db.scalars(select(Post).where(Post.status == PostStatus.PENDING)):
            moderation.approve(db, post.id, None)
        db.commit()


@pytest.mark.usefixtures("forum_boards")
def test_a_new_thread_sent_twice_is_one_thread(app: Flask, client: FlaskClient, monkeypatch: Any) -> None:
    url = f"/forum/{SLUG}/new"
    sent = {**THREAD, "action": "send"}
    token = get_csrf(client, url)
    assert _send(client, url, sent, token).status_code == 303
    twice = _send(client, url, sent)
    assert twice.status_code == 409 and POST_ALREADY in _text(twice) and THREAD["body"] in _text(twice)
    assert len(posts(app)) == 1
    _travel(monkeypatch, LONGEST_SESSION + 60)  # an old page: given back, not lost
    expired = _send(client, url, {**THREAD, "title": "Ett annat ämne", "action": "send"}, token)
    assert expired.status_code == 400 and EXPIRED in _text(expired) and "Ett annat ämne" in _text(expired)
    assert len(posts(app)) == 1


@pytest.mark.usefixtures("forum_boards")
def test_a_part_without_a_readable_name_is_no_500(app: Flask, client: FlaskClient) -> None:
    """Found by the form fuzzing: a multipart part named "\n" reaches the form with the name None,
    which the one-use token's sorting of the fields could not compare with a name."""
    url = f"/forum/{SLUG}/new"
    boundary = "b0undary"
    parts = {**THREAD, "action": "send", "csrf_token": get_csrf(client, url), "\n": ""}
    body = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in parts.items()
    )
    sent = client.post(
        url,
        data=(body + f"--{boundary}--\r\n").encode(),
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert sent.status_code == 303
    assert len(posts(app)) == 1


@pytest.mark.usefixtures("forum_boards")
def test_a_reply_sent_twice_is_one_reply_and_the_limit_keeps_the_text(
    app: Flask, client: FlaskClient
) -> None:
    assert _send(client, f"/forum/{SLUG}/new", {**THREAD, "action": "send"}).status_code == 303
    _approve_all(app)
    thread = thread_url(app, last_thread_id(app))
    reply = {"body": "Samma hände mig förra året, du är inte ensam.", "action": "send"}
    token = csrf_from(_text(client.get(thread)))
    assert client.post(f"{thread}/reply", data={**reply, "csrf_token": token}).status_code == 303
    twice = client.post(f"{thread}/reply", data={**reply, "csrf_token": token})
    assert twice.status_code == 409 and POST_ALREADY in _text(twice) and reply["body"] in _text(twice)
    assert len(posts(app)) == 2
    third = {"body": "Ett tredje inlägg, det sista som ryms i timmen.", "action": "send"}
    assert client.post(f"{thread}/reply", data={**third, "csrf_token": token}).status_code == 303
    over = {"body": "Det fjärde inlägget kommer tillbaka med sin text.", "action": "send"}
    limited = client.post(f"{thread}/reply", data={**over, "csrf_token": token})
    assert limited.status_code == 429 and over["body"] in _text(limited) and LIMITED.search(_text(limited))
    assert len(posts(app)) == 3


# --- the reporter's session ends while they write (item 1) --------------------------------------


def _messages(app: Flask) -> int:
    with Session(app.extensions["portal.engine"]) as db:
        return int(db.scalar(select(func.count()).select_from(Message)) or 0)


def test_a_reply_after_the_session_ended_is_sent_with_the_code(
    app: Flask, client: FlaskClient, admin: Account, monkeypatch: Any
) -> None:
    code = report_and_get_code(client)
    open_with_code(client, code)
    token = csrf_from(case_page(client))
    before = _messages(app)
    text = "Det hände igen i dag, i receptionen, inför två kollegor."
    _travel(monkeypatch, REPORTER_IDLE + 60)
    asked = client.post("/followup/reply", data={"message": text, "csrf_token": token})
    page = _text(asked)
    assert asked.status_code == 400 and text in page and 'name="code"' in page
    assert "Your session had ended, so your message has not been sent yet." in page
    wrong = client.post(
        "/followup/reply",
        data={"message": text, "code": "AAAA-BBBB-CCCC-DDDD", "csrf_token": csrf_from(page)},
    )
    assert wrong.status_code == 401 and text in _text(wrong)
    assert "We found no report with that code." in _text(wrong) and _messages(app) == before
    sent = client.post("/followup/reply", data={"message": text, "code": code, "csrf_token": csrf_from(page)})
    assert sent.status_code == 303 and sent.headers["Location"].endswith("/followup/case")
    assert text in case_page(client) and _messages(app) == before + 1
    again = client.post("/followup/reply", data={"message": text, "csrf_token": csrf_from(page)})
    assert again.status_code == 409 and _messages(app) == before + 1
