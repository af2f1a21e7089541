"""Oral reporting in the browser (issue 15, part 1): a moderator records a report given in a
meeting and prints its code, once; the reporter, with JavaScript off, comes back with the paper's
code, proposes a correction of the minutes, approves them, and accepts an offered meeting after
being told what a meeting costs their anonymity. Every page on the way passes axe at WCAG 2.1 AA.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

from tests.browser import steps
from tests.browser.accessibility import Axe
from tests.browser.conftest import VisitorFactory
from tests.browser.site import LivePortal
from tests.browser.visitor import Visitor

MEETING_DAY = (dt.date.today() + dt.timedelta(days=5)).isoformat()


def _record(moderator: Visitor, account_text: str, axe: Axe) -> str:
    moderator.go("/moderation/cases")
    moderator.follow_link(moderator.t("Record a report given by phone or in a meeting"))
    axe.check(moderator, "oral report form")
    moderator.press_button(moderator.t("Save the report and show the code"), status=400)
    assert moderator.t("Please write something.") in moderator.page.get_by_role("alert").inner_text()
    moderator.field(moderator.t("Category")).select_option("bribery")
    moderator.field(moderator.t("What the reporter told")).fill(account_text)
    moderator.press_button(moderator.t("Save the report and show the code"), status=200)
    assert moderator.path() == "/moderation/cases/oral/code"
    code = moderator.page.locator("[data-receipt-code]").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", code), code
    text = moderator.page.locator("main").inner_text()
    assert moderator.t("The moderator who gave you this paper has seen this code.") in text
    assert moderator.page.locator("nav").count() == 0
    axe.check(moderator, "printed code page")
    # On paper: the notice for the moderator and the link are left out.
    moderator.page.emulate_media(media="print")
    assert moderator.page.locator(".no-print").is_hidden()
    assert moderator.page.locator("[data-receipt-code]").is_visible()
    moderator.page.emulate_media(media="screen")
    # Shown once: the reload lands on the queue, without the code.
    moderator.page.reload()
    assert moderator.path() == "/moderation/cases" and code not in moderator.page.content()
    return code


def test_oral_report_minutes_and_meeting_with_the_reporters_javascript_off(
    visitor: VisitorFactory, portal: LivePortal, axe: Axe
) -> None:
    moderator = visitor("sv", javascript=True, label="moderator")
    steps.log_in(moderator, portal.new_admin())
    told = f"Ordföranden ringde mig hemma om bidraget till föreningen ({uuid.uuid4().hex[:8]})."
    code = _record(moderator, told, axe)
    report_id = portal.newest_report().id
    assert portal.newest_report().channel.value == "oral"
    moderator.go(f"/moderation/cases/{report_id}")
    moderator.field(moderator.t("Minutes of a meeting or call")).fill("Protokoll: tre samtal under november.")
    moderator.press_button(moderator.t("Add the minutes"), status=200)
    moderator.field(moderator.t("Date")).fill(MEETING_DAY)
    moderator.field(moderator.t("Time")).fill("14:30")
    moderator.field(moderator.t("Where, or how (optional)")).fill("Rum Ekorren, stadshuset.")
    moderator.press_button(moderator.t("Offer the meeting"), status=200)
    axe.check(moderator, "case with minutes and an offer")

    reporter = visitor("sv", javascript=False, label="reporter")
    steps.open_case(reporter, code, axe)
    page = reporter.page
    assert told in page.locator("main").inner_text()
    axe.check(reporter, "minutes and an offer to answer")
    reporter.press_button(reporter.t("Propose a correction"), status=400)
    assert reporter.t("Write what should be changed in the minutes.") in page.locator("main").inner_text()
    axe.check(reporter, "empty correction refused")
    reporter.field(reporter.t("Your correction")).fill("Det var fyra samtal, inte tre.")
    reporter.press_button(reporter.t("Propose a correction"), status=200)
    assert reporter.flash() == reporter.t("Your correction has been sent to the moderators.")
    reporter.press_button(reporter.t("Approve the minutes"), status=200)
    today = dt.date.today().isoformat()
    assert (
        reporter.t("You approved these minutes on %(date)s.", date=today) in page.locator("main").inner_text()
    )

    offer = page.locator(".entry-meeting_offer")
    warning = reporter.t("Before you accept: the person you meet will see you and learn who you are.")
    assert warning in offer.inner_text() and f"{MEETING_DAY} 14:30" in offer.inner_text()
    reporter.press_button(reporter.t("Accept the meeting"), within=offer, status=200)
    assert (
        reporter.t("You accepted this meeting on %(date)s.", date=today) in page.locator("main").inner_text()
    )
    axe.check(reporter, "answered")

    moderator.go(f"/moderation/cases/{report_id}")
    seen = moderator.page.locator("main").inner_text()
    assert moderator.t("Approved by the reporter on %(date)s.", date=today) in seen
    assert moderator.t("Correction proposed by the reporter on %(date)s:", date=today) in seen
    assert "Det var fyra samtal, inte tre." in seen
    assert moderator.t("Accepted by the reporter on %(date)s.", date=today) in seen
