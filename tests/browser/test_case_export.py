"""Masking a passage and exporting a case, in a real browser without JavaScript (issue 15 part 3):
the moderator pastes a name into the case page's "Mask a passage" form, sees it in the list of
masks, is told plainly when a passage is not in the text (the form keeps it), and downloads the
PDF: the name is a black bar, the registration number on the page. axe at WCAG 2.1 AA on the case
page with the export panel, with a mask and with a refused form.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.browser import steps
from tests.browser.accessibility import Axe
from tests.browser.conftest import VisitorFactory
from tests.browser.site import LivePortal
from tests.export_helpers import assert_absent, pages_text

NAME = "Åsa Öberg-Łukasiewicz"


@pytest.mark.parametrize("language", ["sv", "en"])
def test_a_moderator_masks_a_name_and_exports_the_case_as_a_pdf(
    language: str, visitor: VisitorFactory, portal: LivePortal, axe: Axe, tmp_path: Path
) -> None:
    description = f"Ordföranden {NAME} ringde mig hemma om bygglovet ({uuid.uuid4().hex[:8]})."
    steps.report(visitor(language, label="reporter"), description)
    moderator = visitor(language, label="moderator")
    steps.log_in(moderator, portal.new_moderator())
    number = steps.open_newest_case(moderator)
    axe.check(moderator, "export panel")

    moderator.field(moderator.t("Mask a passage in")).select_option(label=moderator.t("The report"))
    moderator.field(moderator.t("The passage to mask")).fill("Karl Karlsson")
    moderator.press_button(moderator.t("Mask the passage"), status=400)
    refusal = moderator.t(
        "That passage is not in the text you chose. Copy it exactly as it is written there."
    )
    assert refusal in moderator.page.locator("main").inner_text()
    assert moderator.field(moderator.t("The passage to mask")).input_value() == "Karl Karlsson"
    axe.check(moderator, "mask refused")

    moderator.field(moderator.t("The passage to mask")).fill(NAME)
    moderator.press_button(moderator.t("Mask the passage"), status=200)
    assert moderator.flash() == moderator.t("The passage is masked in exports.")
    assert moderator.page.locator("ul.masks q").all_inner_texts() == [NAME]
    axe.check(moderator, "a mask")

    moderator.field(moderator.t("Registration number (diarienummer)")).fill("KS 2026/42")
    with moderator.page.expect_download() as download:
        moderator.page.get_by_role("button", name=moderator.t("Export as PDF"), exact=True).click()
    assert download.value.suggested_filename == f"case-{number}.pdf"
    saved = tmp_path / "export.pdf"
    download.value.save_as(saved)
    pdf = saved.read_bytes()
    assert_absent(pdf, NAME)
    text = " ".join("\n".join(pages_text(pdf)).split())
    head = moderator.t(
        "%(case)s · Registration number: %(number)s",
        case=moderator.t("Case %(n)d", n=number),
        number="KS 2026/42",
    )
    assert head in text
    assert f"Ordföranden {'█' * len(NAME)} ringde mig hemma" in text
