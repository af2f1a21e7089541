"""The reporter's receipt and case page in a real browser with JavaScript off (issue 17, items 6
and 7): the receipt says what arrived; the case page shows the answers given, has no empty notice
on the first visit, one place to add files, and "1 new message" leads to it. Every page passes
axe at WCAG 2.1 AA at 390, 768 and 1280 px and is never wider than the screen."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import FilePayload

from tests.browser import steps
from tests.browser.accessibility import Axe
from tests.browser.conftest import VisitorFactory
from tests.browser.site import LivePortal
from tests.browser.test_attachments import _photo


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_reporter_sees_what_arrived_their_answers_and_the_new_message(
    language: str, visitor: VisitorFactory, portal: LivePortal, axe: Axe
) -> None:
    reporter = visitor(language, javascript=False, label="reporter")
    moderator = visitor(language, javascript=True, label="moderator")
    marker = uuid.uuid4().hex[:8]
    page = reporter.page

    reporter.go("/report")
    axe.check_widths(reporter, "report form")  # its fieldsets once made it 397 px wide at 390
    reporter.field(reporter.t("What kind of influence?")).select_option("threats")
    reporter.field(reporter.t("Area of work")).select_option("income_support")
    page.locator("input[name=happened][value=this_week]").check()
    reporter.field(reporter.t("What happened?")).fill(f"Sökanden hotade mig i receptionen ({marker}).")
    photo: FilePayload = {"name": "IMG_2041.JPG", "mimeType": "image/jpeg", "buffer": _photo()}
    reporter.field(reporter.t("Attachments (optional)")).set_input_files([photo])
    reporter.press_button(reporter.t("Send report"), status=200)
    assert reporter.path() == "/report/receipt"
    arrived = page.get_by_role("region", name=reporter.t("What arrived")).inner_text()
    assert (
        reporter.tn(
            "Your report and %(num)d file arrived. Before the file was stored, the portal removed what could "
            "point to you; the text and pictures you can see are unchanged.",
            "Your report and %(num)d files arrived. Before they were stored, the portal removed what could "
            "point to you; the text and pictures you can see are unchanged.",
            1,
        )
        in arrived
    )
    assert "IMG_2041.jpg" in arrived
    assert reporter.t("location, camera and other data stored in the picture") in arrived
    axe.check_widths(reporter, "receipt")
    code = steps.keep_receipt(reporter)

    steps.open_case(reporter, code)
    assert page.get_by_role("status").count() == 0, "an empty notice on the first visit"
    answers = page.locator("dl.answers").inner_text()
    assert reporter.t("Threats") in answers and reporter.t("Income support") in answers
    assert reporter.t("This week") in answers and reporter.t("I would rather not say") in answers
    assert page.locator("input[type=file]").count() == 1
    axe.check_widths(reporter, "first visit")

    # Files alone, through the one form.
    note: FilePayload = {"name": "anteckning.txt", "mimeType": "text/plain", "buffer": b"Samma dag, kl 14.\n"}
    reporter.field(reporter.t("Attachments (optional)")).set_input_files([note])
    reporter.press_button(reporter.t("Send message"), status=200)
    assert reporter.flash() == reporter.t("Your files have been added.")
    assert "anteckning.txt" in page.get_by_role("region", name=reporter.t("What you reported")).inner_text()

    steps.log_in(moderator, portal.new_moderator())
    steps.open_newest_case(moderator)
    steps.send_to_reporter(moderator, f"Tack, vi har läst din anmälan ({marker}).")

    reporter.press_button(reporter.t("Log out"), status=200)
    steps.open_case(reporter, code)
    news = reporter.tn(
        "You have %(num)d new message since your last visit.",
        "You have %(num)d new messages since your last visit.",
        1,
    )
    link = page.get_by_role("status").get_by_role("link", name=news)
    target = link.get_attribute("href")
    assert target is not None and target.startswith("#entry-")
    axe.check_widths(reporter, "a new message")
    link.click()
    assert page.url.endswith(target)
    entry = page.locator(target)
    assert f"({marker})" in entry.inner_text() and reporter.t("New message") in entry.inner_text()
    assert entry.is_visible()
