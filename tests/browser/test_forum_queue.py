"""The forum queue in a real browser (issue 17, item 11): "Publish" and "Do not publish" never look
alike; on a post with an identifying detail not publishing comes first and looks like the main
action; a thread sent twice is marked; the redact page marks the details and edits the title.
The writer has JavaScript off. Every page passes axe at WCAG 2.1 AA at 390, 768 and 1280 px."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Locator

from tests.browser import steps
from tests.browser.accessibility import Axe
from tests.browser.conftest import VisitorFactory
from tests.browser.site import LivePortal
from tests.browser.visitor import Visitor

BOARD = {"sv": "Hot och trakasserier", "en": "Threats and harassment"}
PHONE = "070-123 45 67"
LOOK = "e => { const s = getComputedStyle(e); return [s.backgroundColor, s.color, s.borderColor]; }"


def first_of(person: Visitor, text: str) -> Locator:
    return person.page.locator("article.queue-item", has_text=text).first


def _buttons(item: Locator, names: list[str]) -> list[str]:
    """The item's buttons among ``names``, in the order a keyboard reaches them."""
    texts = [b.inner_text().strip() for b in item.get_by_role("button").all()]
    return [t for t in texts if t in names]


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_queue_makes_the_safe_choice_first_and_marks_a_copy(
    language: str, visitor: VisitorFactory, portal: LivePortal, axe: Axe
) -> None:
    marker = uuid.uuid4().hex[:8]
    writer = visitor(language, label="writer")
    flagged_title = f"Samtalet ({marker})"
    steps.start_thread(writer, BOARD[language], flagged_title, f"Ring mig på {PHONE} om du vill prata.")
    writer.press_button(writer.t("Send anyway"), status=200)
    twice = f"Efter mötet ({marker})"
    body = f"Det var tungt efter mötet, men kollegorna stöttade mig ({marker})."
    # The same words from two browsers (one browser sending a form twice is received once:
    # tests/browser/test_forms_forgiving.py).
    for sender in (writer, visitor(language, label="second writer")):
        steps.start_thread(sender, BOARD[language], twice, body)

    moderator = visitor(language, javascript=True, label="moderator")
    steps.log_in(moderator, portal.new_moderator())
    moderator.go("/moderation/forum")
    publish, withhold = moderator.t("Publish"), moderator.t("Do not publish")
    flagged = moderator.page.locator("article.queue-item", has_text=flagged_title)
    assert _buttons(flagged, [publish, withhold]) == [withhold, publish]
    safe = moderator.t(
        "Not publishing is the safe choice here. Publish only once you have checked what is marked above, "
        "or edit it out."
    )
    assert safe in flagged.inner_text() and safe not in first_of(moderator, twice).inner_text()
    copies = moderator.page.locator("article.queue-item", has_text=twice)
    assert copies.count() == 2
    first, copy = copies.nth(0), copies.nth(1)
    assert _buttons(first, [publish, withhold]) == [publish, withhold]
    assert _buttons(copy, [publish, withhold]) == [withhold, publish]
    assert (
        moderator.t("Duplicate") in copy.inner_text() and moderator.t("Duplicate") not in first.inner_text()
    )
    # The two never look alike, whichever comes first.
    for item in (flagged, first):
        looks = {
            name: item.get_by_role("button", name=name, exact=True).evaluate(LOOK)
            for name in (publish, withhold)
        }
        assert looks[publish] != looks[withhold], looks
    # The menu above is issue 17 item 9's; the queue itself must fit a phone.
    axe.check_widths(moderator, "flagged and copied posts", within="main")

    copy.get_by_role("link").filter(has_text=twice).first.click()  # to the first sending, on this page
    assert moderator.page.url.endswith(f"#{first.get_attribute('id')}")
    assert first.is_visible()

    with moderator.navigation(200):
        flagged.get_by_role("link", name=moderator.t("Edit out details…")).click()
    written = moderator.page.get_by_role("region", name=moderator.t("As it was written"))
    assert written.locator("mark", has_text=PHONE).count() == 1
    axe.check_widths(moderator, "redact", within="main")
    moderator.field(moderator.t("Title")).fill(f"Ett samtal ({marker})")
    moderator.field(moderator.t("Edited text")).fill("Hör av dig om du vill prata.")
    moderator.press_button(moderator.t("Publish the edited post"), status=200)
    assert moderator.flash() == moderator.t(
        "The edited post is published and marked as edited by a moderator."
    )

    reader = visitor(language, label="reader")
    reader.go("/forum/")
    reader.follow_link(BOARD[language])
    reader.follow_link(f"Ett samtal ({marker})")
    assert PHONE not in reader.page.locator("main").inner_text()
