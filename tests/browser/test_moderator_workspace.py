"""The moderator's workspace in a real browser (issue 17 items 8 and 9), at 390, 768 and 1280 px.

The overview, the queue, the case, the users and the audit log are no wider than the screen and
no date breaks at its hyphens; on the case page the handling panel is in view at once at 1280 px
and above the dialogue on narrow screens, and a long report is folded and opens without
JavaScript. A refused action (closing without an outcome) answers with the error summary at the
top, focused, beside the case's true status. axe at WCAG 2.1 AA on every page at every width.
"""

from __future__ import annotations

import uuid

import pytest

from tests.browser import steps
from tests.browser.accessibility import Axe
from tests.browser.conftest import VisitorFactory
from tests.browser.site import LivePortal
from tests.browser.visitor import Visitor

WIDTHS = {390: 844, 768: 1024, 1280: 800}  # viewport width → height: a phone, a tablet, a laptop
LONG_REPORT = "\n\n".join(
    f"Del {n}: Ordföranden i föreningen ringde mig igen om bidraget och sa att han vet var jag bor. "
    "Han ville att jag skulle ändra bedömningen innan nämndens möte, annars skulle det bli tråkigt för mig."
    for n in range(12)
)

# Every date (YYYY-MM-DD) in the page's main part that the browser laid out on more than one line.
WRAPPED_DATES = r"""() => {
  const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
  let checked = 0; const wrapped = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const match of node.data.matchAll(/\d{4}-\d{2}-\d{2}/g)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (lines.size > 0) checked += 1;
      if (lines.size > 1) wrapped.push(match[0]);
    }
  }
  return {checked, wrapped};
}"""
# The moderator pages besides the case, and whether they show dates (the users page has none
# until a link is waiting).
PAGES = {
    "/moderation/": True,
    "/moderation/cases": True,
    "/moderation/users": False,
    "/moderation/audit": True,
}
WIDTH = "() => [document.documentElement.scrollWidth, window.innerWidth]"


def _seed(visitor: VisitorFactory, portal: LivePortal, language: str) -> tuple[Visitor, int]:
    """A report nobody has answered (due within a week: on the overview), a long one, and an
    administrator who has answered and labelled the long one (so that every moderator page has
    rows with dates); returns the administrator on the long one's page, and its number."""
    reporter = visitor(language, label="reporter")
    steps.report(reporter, "Ingen har svarat mig ännu om hoten i receptionen.")  # due within a week
    steps.report(reporter, LONG_REPORT + f" ({uuid.uuid4().hex[:8]})")
    number = portal.newest_report().id
    admin = visitor(language, javascript=True, label="admin")
    steps.log_in(admin, portal.new_admin())
    admin.go(f"/moderation/cases/{number}")
    steps.send_to_reporter(
        admin, "Tack för att du skrev. Vi har tagit emot din anmälan och återkommer inom en vecka."
    )
    admin.field(admin.t("Labels")).fill("hot, bidrag")
    admin.press_button(admin.t("Save labels"), status=200)
    return admin, number


def _fits(person: Visitor, where: str, has_dates: bool = True) -> None:
    scroll_width, viewport = person.page.evaluate(WIDTH)
    assert scroll_width <= viewport, f"{where} is {scroll_width} px wide in a {viewport} px window"
    dates = person.page.evaluate(WRAPPED_DATES)
    assert dates["wrapped"] == [] and (dates["checked"] > 0 or not has_dates), f"dates on {where}: {dates}"


@pytest.mark.parametrize("width", list(WIDTHS))
def test_moderator_pages_fit_the_screen_and_the_panel_is_in_view(
    width: int, visitor: VisitorFactory, portal: LivePortal, axe: Axe
) -> None:
    admin, number = _seed(visitor, portal, "sv")
    admin.page.set_viewport_size({"width": width, "height": WIDTHS[width]})
    for path, has_dates in PAGES.items():
        admin.go(path)
        _fits(admin, f"{path} at {width} px", has_dates)
        axe.check(admin, f"{width} px")

    admin.go(f"/moderation/cases/{number}")
    _fits(admin, f"the case at {width} px")
    axe.check(admin, f"{width} px")
    page = admin.page
    panel = page.locator("section.case-panel").bounding_box()
    dialogue = page.locator("#dialogue-heading").bounding_box()
    assert panel is not None and dialogue is not None
    if width >= 1280:  # beside the report, in view without scrolling
        assert panel["y"] < WIDTHS[width] and panel["x"] > dialogue["x"] + dialogue["width"] / 2, panel
        change = page.get_by_role("button", name=admin.t("Change status"), exact=True).bounding_box()
        assert change is not None and change["y"] + change["height"] <= WIDTHS[width], change
    else:  # the whole panel before the dialogue
        assert panel["y"] + panel["height"] <= dialogue["y"], (panel, dialogue)

    # The long report is folded: its beginning shows, the whole opens (a <details>, no script).
    report = page.locator("section.case-report")
    assert "Del 0: Ordföranden" in report.inner_text() and "Del 11:" not in report.inner_text()
    report.locator("summary").click()
    assert "Del 11: Ordföranden" in report.inner_text()
    assert report.locator(".preview").is_hidden()
    assert report.locator("summary").inner_text() == admin.t("Fold the text")
    _fits(admin, f"the case with the report opened at {width} px")
    axe.check(admin, f"{width} px, report opened")


@pytest.mark.parametrize(("language", "width"), [("sv", 390), ("en", 1280)])
def test_a_refused_close_is_summed_up_at_the_top_with_focus_and_the_true_status(
    language: str, width: int, visitor: VisitorFactory, portal: LivePortal, axe: Axe
) -> None:
    steps.report(
        visitor(language, label="reporter"), f"Chefen hotade mig efter mötet ({uuid.uuid4().hex[:8]})."
    )
    number = portal.newest_report().id
    moderator = visitor(language, label="moderator")  # JavaScript off: nothing here needs it
    moderator.page.set_viewport_size({"width": width, "height": WIDTHS[width]})
    steps.log_in(moderator, portal.new_moderator())
    moderator.go(f"/moderation/cases/{number}")
    new = moderator.t("New")

    moderator.field(moderator.t("Status")).select_option("closed")
    moderator.press_button(moderator.t("Change status"), status=400)
    page = moderator.page
    summary = page.get_by_role("alert")
    assert summary.count() == 1
    assert page.evaluate("document.activeElement.className") == "error-summary"
    box = summary.bounding_box()
    assert box is not None and 0 <= box["y"] < WIDTHS[width] / 2, box
    text = summary.inner_text()
    assert moderator.t("Choose an outcome when you close a case.") in text
    assert moderator.t("Nothing was changed: the case's status is still “%(status)s”.", status=new) in text
    assert page.locator(".case-now strong").inner_text() == new
    assert page.locator("section.case-panel dd").first.inner_text() == new
    # What was chosen is still chosen, next to the field's own error.
    assert moderator.field(moderator.t("Status")).input_value() == "closed"
    summary.get_by_role("link").click()
    assert page.evaluate("document.activeElement.id") == "outcome"
    axe.check(moderator, f"close refused at {width} px")

    moderator.field(moderator.t("Outcome (required when closing)")).select_option("support_given")
    moderator.press_button(moderator.t("Change status"), status=200)
    assert page.get_by_role("alert").count() == 0
    assert page.locator(".case-now strong").inner_text().startswith(moderator.t("Closed"))
