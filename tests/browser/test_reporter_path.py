"""The reporter's whole path in a real browser with JavaScript off, in Swedish and in English:
report → keep the code → return with it → read a moderator's answer → reply → log out.
Every page on the way passes axe at WCAG 2.1 AA.
"""

from __future__ import annotations

import uuid

import pytest

from tests.browser import steps
from tests.browser.accessibility import Axe
from tests.browser.conftest import VisitorFactory
from tests.browser.site import LivePortal

LANGUAGES = ["sv", "en"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_reporter_reports_reads_the_answer_and_replies(
    language: str, visitor: VisitorFactory, portal: LivePortal, axe: Axe
) -> None:
    reporter = visitor(language, javascript=False, label="reporter")
    moderator = visitor(language, javascript=True, label="moderator")
    marker = uuid.uuid4().hex[:8]
    description = f"Sökanden hotade mig efter avslaget och sa att han vet var jag bor ({marker})."
    answer = f"Tack, vi har tagit emot din anmälan och kontaktar din chef ({marker})."
    reply = f"Det hände igen i dag i receptionen ({marker})."

    reporter.go("/")
    assert reporter.heading() == reporter.t("Break the silence about unlawful influence")
    axe.check(reporter)
    reporter.follow_link(reporter.t("Report"))
    assert reporter.path() == "/report"
    axe.check(reporter)

    reporter.press_button(reporter.t("Send report"), status=400)
    summary = reporter.page.get_by_role("alert")
    assert reporter.t("Please correct the following") in summary.inner_text()
    assert summary.get_by_role("link").first.get_attribute("href") == "#description"
    axe.check(reporter, "errors shown")

    code = steps.report(reporter, description, axe)
    assert reporter.path() == "/followup"
    assert reporter.flash() == reporter.t(
        "Thank you. Your report has been sent. Come back with your code to read the answer."
    )

    steps.log_in(moderator, portal.new_moderator())
    steps.open_newest_case(moderator)
    assert description in moderator.page.locator("main").inner_text()
    steps.send_to_reporter(moderator, answer)

    reporter.field(reporter.t("Your code")).fill("AAAA-BBBB-CCCC-DDDD")
    reporter.press_button(reporter.t("Open"), status=401)
    assert reporter.t("We found no report with that code. Check it and try again.") in (
        reporter.page.get_by_role("alert").inner_text()
    )
    axe.check(reporter, "unknown code")
    steps.open_case(reporter, code, axe)
    news = reporter.page.get_by_role("status").inner_text()
    assert (
        reporter.tn(
            "You have %(num)d new message since your last visit.",
            "You have %(num)d new messages since your last visit.",
            1,
        )
        in news
    )
    dialogue = reporter.page.locator("ol.dialogue")
    assert answer in dialogue.inner_text() and description in reporter.page.locator("main").inner_text()
    axe.check(reporter, "an answer to read")

    reporter.field(reporter.t("Your message")).fill("Kort.")
    reporter.press_button(reporter.t("Send message"), status=400)
    assert reporter.page.get_by_role("alert").get_by_role("link").first.get_attribute("href") == "#message"
    axe.check(reporter, "reply refused")
    steps.reply_to_moderators(reporter, reply)
    assert reply in dialogue.inner_text()
    axe.check(reporter, "after a reply")

    moderator.page.reload()
    assert reply in moderator.page.locator("ol.dialogue").inner_text()

    reporter.press_button(reporter.t("Log out"), status=200)
    assert reporter.path() == "/"
    reporter.go("/followup/case", status=200)
    assert reporter.path() == "/followup", "the case page must not open after logging out"
    reporter.go("/followup/nowhere", status=404)
    axe.check(reporter, "not found")
