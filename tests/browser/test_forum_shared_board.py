"""A board shared by two organisations, in a real browser with JavaScript off for the writer: the
writer starts a thread on the shared board, a moderator of the second organisation publishes it,
and it appears. Every page on the way passes axe at WCAG 2.1 AA.

A portal of its own (not the session's): a second organisation would change the installation the
other browser tests see.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import organisations
from portal.accounts import service as accounts
from portal.forum import sharing
from portal.models import Role, User
from tests.accounts import PASSWORD, Account
from tests.browser import steps
from tests.browser.accessibility import Axe
from tests.browser.site import LivePortal, start_portal
from tests.browser.visitor import Visitor

SHARED_NAME = "Regionens socialsekreterare"


@pytest.fixture(scope="module")
def region_portal(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LivePortal]:
    live = start_portal(tmp_path_factory.mktemp("region-portal"))
    yield live
    live.stop()


def _second_organisations_moderator(live: LivePortal) -> Account:
    """Organisation "b" and its first admin, appointed for shared boards; "regionen" shared."""
    with live.app.app_context(), Session(live.app.extensions["portal.engine"]) as db:
        first = organisations.only(db)
        second = organisations.create(db, "b", "Kommun B")
        made = accounts.create_user(db, "bert", Role.ADMIN, PASSWORD, live.config, organisation_id=second.id)
        user = db.scalar(select(User).where(User.username == "bert"))
        assert user is not None
        sharing.appoint(db, user, True, None)
        sharing.share_board(db, "regionen", [first.id, second.id], {"sv": SHARED_NAME, "en": "The region"})
        db.commit()
    return Account("bert", PASSWORD, made.totp_secret, None)


def test_a_moderator_of_the_second_organisation_publishes_a_post_on_the_shared_board(
    browser: Browser, region_portal: LivePortal
) -> None:
    bert = _second_organisations_moderator(region_portal)
    title = f"Larmknappar i receptionen ({uuid.uuid4().hex[:8]})"
    body = "Hur har ni ordnat larmet i receptionen efter förra årets händelser?"
    axe = Axe.open(browser, region_portal.origin)
    writer = Visitor(browser, region_portal.origin, "sv", False, "writer", False)
    moderator = Visitor(browser, region_portal.origin, "sv", True, "moderator", False)
    try:
        writer.go("/forum/")
        axe.check(writer, "index with a shared board")
        steps.start_thread(writer, SHARED_NAME, title, body, axe)
        assert writer.flash() == writer.t(
            "Thank you. Your post will be published when a moderator has read it."
        )
        assert title not in writer.page.locator("main").inner_text()
        steps.log_in(moderator, bert, axe)
        steps.publish_post(moderator, title, axe)
        writer.go("/forum/regionen")
        writer.follow_link(title)
        assert writer.heading() == title and body in writer.page.locator("ol.posts").inner_text()
        axe.check(writer, "published on the shared board")
        assert not writer.traffic.outside and not moderator.traffic.outside
    finally:
        writer.close()
        moderator.close()
        axe.close()
