"""Script injection, seen by the other side in a real browser (threat 5 of DESIGN.md §2).

Payloads in the style of the OWASP XSS filter-evasion cheat sheet go into a report's
description, a reporter's reply, a moderator's message and a forum thread's title and body.
Each is then opened by the other side with JavaScript on: no dialog may open, no payload may
flip the window flag, no element or attribute may be injected, and the text must read as typed.

The viewers run with the pages' Content-Security-Policy bypassed: the CSP would stop inline
script by itself (tests/security checks that header), so bypassing it makes this test fail if
the escaping alone ever fails. The first test shows that the harness sees a payload that runs.
"""

from __future__ import annotations

import uuid

from playwright.sync_api import Dialog

from tests.browser import steps
from tests.browser.conftest import VisitorFactory
from tests.browser.site import LivePortal
from tests.browser.visitor import Visitor

FLAG = "__xss"
PAYLOADS = [
    f"<script>window.{FLAG} = 1; alert('script')</script>",
    f"<img src=x onerror=\"window.{FLAG} = 1; alert('img')\">",
    f"<svg onload=\"window.{FLAG} = 1; alert('svg')\">",
    f"\"'><img src=x onerror=window.{FLAG}=1;alert(1)>",
    f"'\"><svg/onload=window.{FLAG}=1;alert(2)>",
    f'<a href="javascript:window.{FLAG}=1;alert(3)">klicka</a>',
    f"javascript:window.{FLAG}=1;alert(4)",
    f"</textarea><script>window.{FLAG}=1</script><textarea>",
    f'<iframe srcdoc="<script>parent.{FLAG}=1</script>"></iframe>',
    f"<body onload=window.{FLAG}=1>",
]
TITLE_PAYLOAD = f"\"'><img src=x onerror=window.{FLAG}=1;alert(5)> <script>alert(6)</script>"
INJECTED = """() => document.querySelectorAll(
  'script, iframe, object, embed, svg, img[src="x"], [onerror], [onload], [onclick], a[href^="javascript:" i]'
).length"""
SETTLE_MS = 300  # image errors and frame loads fire after the load event


def viewer(visitor: VisitorFactory, label: str) -> tuple[Visitor, list[str]]:
    """A JavaScript-enabled person whose every page starts with the flag down, dialogs recorded."""
    person = visitor("sv", javascript=True, label=label, bypass_csp=True)
    person.context.add_init_script(f"window.{FLAG} = 0")
    dialogs: list[str] = []

    def record(dialog: Dialog) -> None:
        dialogs.append(getattr(dialog, "message", ""))
        dialog.dismiss()

    person.page.on("dialog", record)
    return person, dialogs


def assert_inert(person: Visitor, dialogs: list[str], *texts: str) -> None:
    page = person.page
    page.wait_for_timeout(SETTLE_MS)
    where = page.url
    assert dialogs == [], f"a dialog opened on {where}: {dialogs}"
    assert page.evaluate(f"window.{FLAG}") == 0, f"a payload ran on {where}"
    assert page.evaluate(INJECTED) == 0, f"markup was injected on {where}"
    shown = page.locator("main").inner_text()
    for text in texts:
        for line in text.splitlines():
            assert line.strip() in shown, f"{line!r} is not shown as typed on {where}"


def test_the_harness_sees_a_payload_that_runs(visitor: VisitorFactory) -> None:
    person, dialogs = viewer(visitor, "control")
    person.go("/")
    person.page.evaluate(
        "html => document.querySelector('main').insertAdjacentHTML('beforeend', html)", PAYLOADS[1]
    )
    person.page.wait_for_timeout(SETTLE_MS)
    assert person.page.evaluate(f"window.{FLAG}") == 1 and dialogs == ["img"]
    assert person.page.evaluate(INJECTED) == 1


def test_payloads_stay_text_for_the_other_side(visitor: VisitorFactory, portal: LivePortal) -> None:
    marker = uuid.uuid4().hex[:8]
    payload_text = "\n".join([f"Anmälan {marker}:", *PAYLOADS])
    reporter, reporter_dialogs = viewer(visitor, "reporter")
    moderator, moderator_dialogs = viewer(visitor, "moderator")

    code = steps.report(reporter, payload_text)
    steps.log_in(moderator, portal.new_moderator())
    steps.open_newest_case(moderator)
    assert_inert(moderator, moderator_dialogs, payload_text)

    answer = "\n".join([f"Svar {marker}:", *reversed(PAYLOADS)])
    steps.send_to_reporter(moderator, answer)
    assert_inert(moderator, moderator_dialogs, answer)
    steps.open_case(reporter, code)
    assert_inert(reporter, reporter_dialogs, payload_text, answer)

    reply = "\n".join([f"Svar tillbaka {marker}:", *PAYLOADS])
    steps.reply_to_moderators(reporter, reply)
    assert_inert(reporter, reporter_dialogs, reply)
    moderator.page.reload()
    assert_inert(moderator, moderator_dialogs, payload_text, answer, reply)

    writer, writer_dialogs = viewer(visitor, "writer")
    steps.take_forum_code(writer)
    title = f"{TITLE_PAYLOAD} {marker}"
    body = "\n".join([f"Inlägg {marker}:", *PAYLOADS])
    steps.start_thread(writer, "Hot och trakasserier", title, body)
    if writer.page.locator("#identification-warning").count():
        assert_inert(writer, writer_dialogs)  # the warning's preview shows the text with marks
        assert writer.field(writer.t("Title")).input_value() == title
        writer.press_button(writer.t("Send anyway"), status=200)
    assert writer.flash() == writer.t("Thank you. Your post will be published when a moderator has read it.")

    moderator.go("/moderation/forum")
    assert_inert(moderator, moderator_dialogs, title, body)
    steps.publish_post(moderator, marker)

    reader, reader_dialogs = viewer(visitor, "reader")
    reader.go("/forum/hot-och-trakasserier")
    assert_inert(reader, reader_dialogs, title)
    reader.follow_link(title)
    assert_inert(reader, reader_dialogs, title, body)
    assert reader.page.title().startswith(title)
