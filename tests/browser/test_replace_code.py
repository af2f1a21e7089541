"""Replacing the code with JavaScript off (issue 17, part 5): one press without the box ticked
changes nothing; with it, the new code is shown as carefully as the receipt and the old one ends.
Every page on the way passes axe at WCAG 2.1 AA.
"""

from __future__ import annotations

import uuid

import pytest

from tests.browser import steps
from tests.browser.accessibility import Axe
from tests.browser.conftest import VisitorFactory
from tests.browser.site import LivePortal

CONFIRM = "Yes, replace my code. I will write down the new one; the old one stops working at once."


@pytest.mark.parametrize("language", ["sv", "en"])
def test_replacing_the_code_asks_first_and_shows_the_new_one(
    language: str, visitor: VisitorFactory, portal: LivePortal, axe: Axe
) -> None:
    reporter = visitor(language, javascript=False, label="reporter")
    old = steps.report(
        reporter, f"Chefen bad mig att inte skriva ner vad som sades ({uuid.uuid4().hex[:8]})."
    )
    steps.open_case(reporter, old)

    reporter.press_button(reporter.t("Get a new code"), status=400)
    summary = reporter.page.get_by_role("alert")
    assert reporter.t("Tick the box to confirm that you want a new code.") in summary.inner_text()
    assert summary.get_by_role("link").first.get_attribute("href") == "#confirm"
    assert reporter.page.locator("[data-receipt-code]").count() == 0
    axe.check(reporter, "replacement not confirmed")

    reporter.field(reporter.t(CONFIRM)).check()
    reporter.press_button(reporter.t("Get a new code"), status=200)
    assert reporter.heading() == reporter.t("Your new code")
    new = steps.keep_receipt(reporter, axe)
    assert new != old
    assert reporter.path() == "/followup/case"
    assert reporter.flash() == reporter.t("Your new code is active. The old code no longer works.")

    reporter.press_button(reporter.t("Log out"), status=200)
    reporter.go("/followup")
    reporter.field(reporter.t("Your code")).fill(old)
    reporter.press_button(reporter.t("Open"), status=401)
    steps.open_case(reporter, new)
