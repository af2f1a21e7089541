"""A reporter attaches a Word letter and a phone photo with JavaScript off: the form says what
cleaning does, the receipt says what was removed from each file, and the moderator's case page
says it too. Every page passes axe at WCAG 2.1 AA, the expanded list included."""

from __future__ import annotations

import io
import uuid

import docx
import pytest
from docx.shared import Cm
from PIL import Image
from playwright.sync_api import FilePayload

from tests.browser import steps
from tests.browser.accessibility import Axe
from tests.browser.conftest import VisitorFactory
from tests.browser.site import LivePortal

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _photo() -> bytes:
    exif = Image.Exif()
    exif[0x013B] = "Anna Handlaggare"  # Artist
    exif[0x8825] = {1: "N", 2: (59.0, 19.0, 48.0), 3: "E", 4: (18.0, 4.0, 12.0)}  # GPS
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def _letter() -> bytes:
    document = docx.Document()
    document.core_properties.author = "Anna Handlaggare"
    document.add_paragraph("Han sa att han visste var jag bor.")
    document.add_picture(io.BytesIO(_photo()), width=Cm(3))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_reporter_and_the_moderator_are_told_what_cleaning_removed(
    language: str, visitor: VisitorFactory, portal: LivePortal, axe: Axe
) -> None:
    reporter = visitor(language, javascript=False, label="reporter")
    moderator = visitor(language, javascript=True, label="moderator")
    reporter.go("/report")
    help_text = reporter.page.locator("#attachments-help").inner_text()
    assert (
        reporter.t(
            "Up to %(files)d files of at most %(mb)d MB each: images (JPEG, PNG, WebP), PDF, office "
            "documents or text. Before a file is stored, the portal removes what can point to you: location "
            "and camera data, document properties, comments, tracked changes (deleted text is dropped, "
            "additions are kept), hidden parts and links. The text you can see stays as it is. A cleaned "
            "file no longer proves where it came from: keep the original yourself, somewhere safe.",
            files=5,
            mb=10,
        )
        == help_text.strip()
    )

    files: list[FilePayload] = [
        {"name": "brev.docx", "mimeType": DOCX, "buffer": _letter()},
        {"name": "IMG_2041.JPG", "mimeType": "image/jpeg", "buffer": _photo()},
    ]
    marker = uuid.uuid4().hex[:8]
    reporter.go("/report")
    page = reporter.page
    # Not steps.report: the receipt is read here before keep_receipt checks it with axe.
    page.locator("input[name=kind][value=whistleblowing]").check()
    reporter.field(reporter.t("What happened?")).fill(f"Han hotade mig och jag bifogar brevet ({marker}).")
    reporter.field(reporter.t("Attachments (optional)")).set_input_files(files)
    reporter.press_button(reporter.t("Send report"), status=200)
    assert reporter.path() == "/report/receipt"
    cleaned = page.get_by_role("region", name=reporter.t("What arrived")).inner_text()
    assert "brev.docx" in cleaned and "IMG_2041.jpg" in cleaned
    assert reporter.t("location and camera data of pictures inside the document") in cleaned
    assert reporter.t("document properties (author, organisation, dates, editing time)") in cleaned
    assert reporter.t("location, camera and other data stored in the picture") in cleaned
    steps.keep_receipt(reporter, axe)

    steps.log_in(moderator, portal.new_moderator())
    steps.open_newest_case(moderator)
    summary = moderator.page.get_by_text(moderator.t("Cleaned: what was removed")).first
    summary.click()  # a <details>: opens with the keyboard or a click, no script needed
    assert moderator.t("location and camera data of pictures inside the document") in (
        moderator.page.locator("main").inner_text()
    )
    axe.check(moderator, "what cleaning removed, expanded")
