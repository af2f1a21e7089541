"""The small forms over their limit (issue 17, items 1 and 2): a reporter's correction of minutes
and a forum reader's flag come back with what was typed or chosen and the time to send again,
never as a bare 429 page; only what was received counts."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.cases.models import Message
from portal.config import Config
from portal.forum import moderation
from portal.forum.models import Flag, Post, PostStatus
from tests.accounts import Account, AuthActions
from tests.csrf import get_csrf
from tests.forum_helpers import new_thread, post_url, posts, take_code
from tests.moderation_helpers import act
from tests.oral_helpers import CORRECTION_TEXT, MINUTES_TEXT, code_on, minutes_seq, record_oral, reporter_post
from tests.reporting_helpers import case_page, only_report_id, open_with_code

LIMITED = re.compile(
    r"This form has been sent as often as the portal takes from your network in an hour\. Nothing was "
    r"sent and your text is kept below: send it again after \d\d:\d\d \(in about \d+ minutes?\)\."
)


@pytest.fixture
def config(config: Config) -> Config:
    return config.replace(limit_reporter_reply="2 per hour", limit_forum_flag="2 per hour")


def _english(client: FlaskClient) -> FlaskClient:
    client.set_cookie("lang", "en")
    return client


def test_a_correction_over_the_limit_comes_back_with_its_text(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    moderator = _english(client)
    AuthActions(moderator).login(admin)
    assert record_oral(moderator).status_code == 303
    code = code_on(moderator.get("/moderation/cases/oral/code").get_data(as_text=True))
    report_id = only_report_id(app)
    for _ in range(3):
        assert act(moderator, report_id, "minutes", minutes=MINUTES_TEXT).status_code == 303
    reporter = _english(app.test_client())
    open_with_code(reporter, code)
    page = case_page(reporter)
    # A refused correction costs nothing: an empty one, then two received ones spend the budget.
    assert (
        reporter_post(
            reporter, "/followup/minutes/correct", seq=minutes_seq(page), correction=" "
        ).status_code
        == 400
    )
    for _ in range(2):
        sent = reporter_post(
            reporter,
            "/followup/minutes/correct",
            seq=minutes_seq(case_page(reporter)),
            correction=CORRECTION_TEXT,
        )
        assert sent.status_code == 303
    seq = minutes_seq(case_page(reporter))
    over = reporter_post(
        reporter, "/followup/minutes/correct", seq=seq, correction="Den tredje rättelsen, kvar i rutan."
    )
    html = over.get_data(as_text=True)
    assert over.status_code == 429
    assert LIMITED.search(html), html
    assert ">Den tredje rättelsen, kvar i rutan.</textarea>" in html
    with Session(app.extensions["portal.engine"]) as db:
        assert (
            db.scalar(select(func.count()).select_from(Message).where(Message.refers_to_seq.is_not(None)))
            == 2
        )


@pytest.mark.usefixtures("forum_boards")
def test_a_flag_over_the_limit_comes_back_with_its_reason_chosen(app: Flask) -> None:
    new_thread(app.test_client(), "Tråd", "Ett inlägg om ett möte på förvaltningen.", action="send")
    with Session(app.extensions["portal.engine"]) as db:
        for post in db.scalars(select(Post).where(Post.status == PostStatus.PENDING)):
            moderation.approve(db, post.id, None)
        db.commit()
    reader = _english(app.test_client())
    take_code(reader)
    (post,) = posts(app)
    flag_url = f"{post_url(app, post.id)}/flag"
    for _ in range(2):
        token = get_csrf(reader, flag_url)
        assert reader.post(flag_url, data={"reason": "identifying", "csrf_token": token}).status_code == 303
    over = reader.post(flag_url, data={"reason": "identifying", "csrf_token": get_csrf(reader, flag_url)})
    html = over.get_data(as_text=True)
    assert over.status_code == 429
    assert LIMITED.search(html), html
    assert re.search(
        r'<input[^>]*checked[^>]*value="identifying"|<input[^>]*value="identifying"[^>]*checked', html
    )
    with Session(app.extensions["portal.engine"]) as db:
        assert db.scalar(select(func.count()).select_from(Flag)) == 1  # a repeated flag is one flag
