"""The forum in a real browser with JavaScript off, in Swedish and in English: a writer takes a
forum code, is warned about an identifying detail, starts a thread that waits for a moderator; a
reader finds it once published, replies and reports a post; the writer returns with the code.
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
BOARD = {"sv": "Hot och trakasserier", "en": "Threats and harassment"}
PHONE = "070-123 45 67"


@pytest.mark.parametrize("language", LANGUAGES)
def test_writer_and_reader_meet_in_a_moderated_thread(
    language: str, visitor: VisitorFactory, portal: LivePortal, axe: Axe
) -> None:
    marker = uuid.uuid4().hex[:8]
    title = f"Efter mötet med anhöriga ({marker})"
    body = "Det var tungt efter mötet, men kollegorna stöttade mig hela veckan."
    writer = visitor(language, label="writer")
    reader = visitor(language, label="reader")

    code = steps.take_forum_code(writer, axe)
    assert writer.heading() == writer.t("My posts")
    axe.check(writer)

    steps.start_thread(writer, BOARD[language], title, f"Ring mig på {PHONE} om du vill prata.", axe)
    warning = writer.page.locator("#identification-warning")
    assert writer.t("Could this identify someone?") in warning.inner_text()
    assert warning.locator("mark", has_text=PHONE).count() == 1
    axe.check(writer, "identification warning")
    writer.field(writer.t("Your post")).fill(body)
    writer.press_button(writer.t("Check and send"), status=200)
    assert writer.flash() == writer.t("Thank you. Your post will be published when a moderator has read it.")
    assert body in writer.page.locator(".post.pending").inner_text()
    axe.check(writer, "own post waiting")

    reader.go("/forum/")
    assert reader.heading() == reader.t("Talk with colleagues")
    axe.check(reader)
    reader.follow_link(BOARD[language])
    assert title not in reader.page.locator("main").inner_text(), "published before a moderator read it"

    moderator = visitor(language, javascript=True, label="moderator")
    steps.log_in(moderator, portal.new_moderator())
    steps.publish_post(moderator, title)

    reader.page.reload()
    reader.follow_link(title)
    assert reader.heading() == title and body in reader.page.locator("ol.posts").inner_text()
    axe.check(reader)
    reader.field(reader.t("Your reply")).fill("Samma sak hände mig förra året, det blir bättre.")
    reader.press_button(reader.t("Check and send"), status=200)
    assert reader.flash() == reader.t("Thank you. Your post will be published when a moderator has read it.")
    reader.follow_link(reader.t("Report to a moderator"))
    assert reader.heading() == reader.t("Report a post to a moderator")
    axe.check(reader)
    reader.page.locator("input[name=reason][value=other]").check()
    reader.press_button(reader.t("Report"), status=200)
    assert reader.flash() == reader.t("Thank you. A moderator will look at the post.")

    writer.go("/forum/mine")
    writer.press_button(writer.t("Stop using the code on this device"), status=200)
    assert writer.flash() == writer.t("You no longer write with your forum code.")
    writer.go("/forum/code")
    axe.check(writer)
    writer.field(writer.t("Your forum code")).fill(code)
    writer.press_button(writer.t("Continue"), status=200)
    assert writer.path() == "/forum/mine"
    assert title in writer.page.locator("main").inner_text()
    axe.check(writer, "returned with the code")
