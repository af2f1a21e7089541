"""The reporter's path on an installation of two organisations, in a real browser with JavaScript
off: the chooser → organisation B's report form → receipt → follow-up, the code typed at the plain
/followup page opening B's case in B's words. The chooser and B's start page pass axe.

A portal of its own: a second organisation on the session's portal would give every other browser
test a chooser at "/".
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser
from sqlalchemy.orm import Session

from portal import organisations
from portal.accounts import service as accounts
from portal.models import Role
from tests.accounts import PASSWORD, Account
from tests.browser import steps
from tests.browser.accessibility import Axe
from tests.browser.site import LivePortal, start_portal
from tests.browser.visitor import Visitor

LANGUAGES = ["sv", "en"]
ADMINS: dict[str, Account] = {}


@pytest.fixture(scope="module")
def two_organisations(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LivePortal]:
    live = start_portal(tmp_path_factory.mktemp("two-organisations"))
    with live.app.app_context(), Session(live.app.extensions["portal.engine"]) as db:
        b = organisations.create(db, "b", "Kommun B")
        made = accounts.create_user(db, "bea", Role.ADMIN, PASSWORD, live.config, organisation_id=b.id)
        db.commit()
    ADMINS["b"] = Account("bea", PASSWORD, made.totp_secret, made.recovery_key)
    yield live
    live.stop()


@pytest.fixture(scope="module")
def own_axe(browser: Browser, two_organisations: LivePortal) -> Iterator[Axe]:
    checker = Axe.open(browser, two_organisations.origin)
    yield checker
    checker.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_chooser_then_organisation_bs_form_receipt_and_follow_up(
    language: str, browser: Browser, two_organisations: LivePortal, own_axe: Axe
) -> None:
    reporter = Visitor(browser, two_organisations.origin, language, False, "reporter", False)
    try:
        reporter.go("/")
        assert reporter.heading() == reporter.t("Choose your organisation")
        own_axe.check(reporter, "chooser")
        reporter.follow_link("Kommun B")
        assert reporter.path() == "/o/b/"
        assert reporter.page.locator(".organisation-name").inner_text() == "Kommun B"
        own_axe.check(reporter, "organisation B's start page")

        reporter.follow_link(reporter.t("Report"))
        assert reporter.path() == "/o/b/report"
        reporter.field(reporter.t("What happened?")).fill(
            "Någon pressade mig att ändra ett beslut om bidrag."
        )
        reporter.press_button(reporter.t("Send report"), status=200)
        assert reporter.path() == "/o/b/report/receipt"
        assert reporter.t("Your report went to %(name)s.", name="Kommun B") in reporter.page.inner_text(
            "main"
        )
        code = reporter.page.locator("[data-receipt-code]").inner_text().strip()
        reporter.field(reporter.t("I have written down or stored my code")).check()
        reporter.press_button(reporter.t("Done"), status=200)
        assert reporter.path() == "/o/b/followup"

        reporter.go("/followup")
        reporter.field(reporter.t("Your code")).fill(code)
        reporter.press_button(reporter.t("Open"), status=200)
        assert reporter.path() == "/o/b/followup/case"
        assert reporter.page.locator(".organisation-name").inner_text() == "Kommun B"
        assert not reporter.traffic.outside
    finally:
        reporter.close()


def test_bs_admin_writes_the_texts_its_start_page_shows(
    browser: Browser, two_organisations: LivePortal, own_axe: Axe
) -> None:
    admin = Visitor(browser, two_organisations.origin, "sv", True, "admin", False)
    reporter = Visitor(browser, two_organisations.origin, "sv", False, "reporter", False)
    try:
        steps.log_in(admin, ADMINS["b"])
        admin.follow_link(admin.t("Texts for reporters"))
        assert admin.path() == "/moderation/texts"
        own_axe.check(admin, "texts for reporters")
        admin.field(admin.t("Who to contact and other ways to report")).fill("Skyddsombudet: 010-765 43 21")
        admin.press_button(admin.t("Save"), status=200)
        assert admin.flash() == admin.t("The texts for reporters have been saved.")
        reporter.go("/o/b/")
        assert "Skyddsombudet: 010-765 43 21" in reporter.page.inner_text("main")
        own_axe.check(reporter, "organisation B's start page with its contacts")
    finally:
        admin.close()
        reporter.close()
