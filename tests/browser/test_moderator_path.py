"""The moderator's path in a real browser, in Swedish and in English: a refused and an accepted
log-in, the overview, the queue, a case (note, answer, status), the forum queue, the statistics
and logging out. Every page on the way passes axe at WCAG 2.1 AA.
"""

from __future__ import annotations

import uuid

import pytest

from tests.browser import steps
from tests.browser.accessibility import Axe
from tests.browser.conftest import VisitorFactory
from tests.browser.site import LivePortal

LANGUAGES = ["sv", "en"]
BOARD = {"sv": "Stöd och råd", "en": "Support and advice"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_moderator_triages_a_case_and_moderates_the_forum(
    language: str, visitor: VisitorFactory, portal: LivePortal, axe: Axe
) -> None:
    marker = uuid.uuid4().hex[:8]
    description = f"Min chef pressade mig att bevilja bidraget till föreningen ({marker})."
    title = f"Hur gör ni med tjat från sökande? ({marker})"
    reporter = visitor(language, label="reporter")
    steps.report(reporter, description)
    writer = visitor(language, label="writer")
    steps.take_forum_code(writer)
    steps.start_thread(writer, BOARD[language], title, "Jag blir osäker när samma person ringer varje dag.")

    moderator = visitor(language, javascript=True, label="moderator")
    account = portal.new_moderator()
    moderator.go("/moderation/login")
    moderator.field(moderator.t("User name")).fill(account.username)
    moderator.field(moderator.t("Password")).fill(account.password)
    moderator.field(moderator.t("One-time code")).fill("000000")
    moderator.press_button(moderator.t("Log in"), status=401)
    assert moderator.flash() == moderator.t(
        "Log-in failed. Check your user name, password and one-time code, or wait "
        "a while if you have tried several times."
    )
    axe.check(moderator, "log-in refused")

    steps.log_in(moderator, account, axe)
    assert moderator.heading() == moderator.t("Overview")
    axe.check(moderator)

    number = steps.open_newest_case(moderator, axe)
    assert moderator.heading() == moderator.t("Case %(n)d", n=number)
    assert description in moderator.page.locator("main").inner_text()
    axe.check(moderator)

    moderator.field(moderator.t("Internal note (never shown to the reporter)")).fill("Ring HR på måndag.")
    moderator.press_button(moderator.t("Save note"), status=200)
    steps.send_to_reporter(moderator, f"Tack för din anmälan ({marker}).")
    moderator.field(moderator.t("Status")).select_option("in_progress")
    moderator.press_button(moderator.t("Change status"), status=200)
    main = moderator.page.locator("main").inner_text()
    assert "Ring HR på måndag." in main and f"Tack för din anmälan ({marker})." in main
    axe.check(moderator, "with a note and an answer")

    moderator.go("/moderation/cases?status=in_progress")
    assert moderator.page.get_by_role("link", name=str(number), exact=True).count() == 1
    axe.check(moderator, "filtered")

    moderator.go("/moderation/forum")
    item = moderator.page.locator("article.queue-item", has_text=title)
    with moderator.navigation(200):
        item.get_by_role("link", name=moderator.t("Edit out details…")).click()
    axe.check(moderator)
    steps.publish_post(moderator, title, axe)
    axe.check(moderator, "after publishing")
    moderator.go("/moderation/stats")
    axe.check(moderator)

    moderator.press_button(moderator.t("Log out"), status=200)
    assert moderator.path() == "/moderation/login"
    moderator.go("/moderation/", status=200)
    assert moderator.path() == "/moderation/login", "the overview must not open after logging out"


ADMIN_PAGES = [
    "/moderation/users",
    "/moderation/users/new",
    "/moderation/recovery-key",
    "/moderation/audit",
    "/moderation/templates",
    "/moderation/templates/new",
    "/moderation/forum/settings",
    "/moderation/account/password",
]


@pytest.mark.parametrize("language", LANGUAGES)
def test_administrator_pages(language: str, visitor: VisitorFactory, portal: LivePortal, axe: Axe) -> None:
    admin = visitor(language, javascript=True, label="admin")
    steps.log_in(admin, portal.admin)
    for path in ADMIN_PAGES:
        admin.go(path)
        axe.check(admin)
    admin.go("/moderation/users/new")
    admin.press_button(admin.t("Make the invitation link"), status=400)
    assert admin.page.get_by_role("alert").count() == 1
    axe.check(admin, "errors shown")
