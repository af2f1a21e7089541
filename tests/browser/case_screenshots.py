"""Screenshots of the moderator's case page for docs/moderators.md (issue 17 item 8).

    .venv/bin/python -m tests.browser.case_screenshots [FOLDER]    (FOLDER: docs/images)

Starts the portal as the browser suite does (SQLite in a temporary folder, Debian's chromium, no
request to any other origin), files one report as a reporter would, answers it as an
administrator and saves the case page as case-1280.png and case-768.png (what the window shows
without scrolling) and case-390.png (a phone, from the top to the dialogue: the panel comes first).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import FloatRect, sync_playwright

from tests.browser import steps
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.site import start_portal
from tests.browser.visitor import Visitor

ROOT = Path(__file__).resolve().parents[2]
WINDOWS = {1280: 900, 768: 1024, 390: 844}  # width → height in px
REPORT = "\n\n".join(
    [
        "Jag handlägger ekonomiskt bistånd. Sedan i våras ringer samma sökande flera gånger i veckan, "
        "och efter mitt senaste beslut om avslag väntade han utanför entrén när jag gick hem.",
        "Han sa att han vet vilken förskola mina barn går på och att det vore synd om något hände. "
        "Jag berättade det för min chef, som sa att jag skulle tänka på hur det ser ut om vi "
        "överklagas igen och att det kanske vore enklast att bevilja den här gången.",
        "Jag har inte ändrat beslutet, men jag har börjat ta omvägar hem och undviker att ha "
        "telefontid. Två kollegor har varit med om liknande saker med samma person.",
        "Jag vill att någon utanför min enhet tittar på hur vi hanterar sådant här, och jag vill "
        "veta vilket stöd jag kan få.",
    ]
)


def take(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    portal = start_portal(Path(tempfile.mkdtemp(prefix="case-screenshots-")))
    saved = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            reporter = Visitor(browser, portal.origin, "sv", False, "reporter")
            code = steps.report(reporter, REPORT)
            number = portal.newest_report().id
            admin = Visitor(browser, portal.origin, "sv", True, "admin")
            account = portal.new_admin()
            steps.log_in(admin, account)
            admin.go(f"/moderation/cases/{number}")
            steps.send_to_reporter(
                admin,
                "Tack för att du skrev till oss. Vi har tagit emot din anmälan och läser den noga. "
                "Vi hör av oss här inom en vecka om hur vi går vidare.",
            )
            admin.field(admin.t("Labels")).fill("hot, ekonomiskt bistånd")
            admin.press_button(admin.t("Save labels"), status=200)
            admin.field(admin.t("Assigned to")).select_option(label=account.username)
            admin.press_button(admin.t("Assign"), status=200)
            admin.field(admin.t("Internal note (never shown to the reporter)")).fill(
                "Kontrollera om samma sökande finns i ärende 3 och 7."
            )
            admin.press_button(admin.t("Save note"), status=200)
            steps.open_case(reporter, code)
            steps.reply_to_moderators(reporter, "Tack. Jag kan ta ett samtal på tisdag förmiddag.")
            for width, height in WINDOWS.items():
                admin.page.set_viewport_size({"width": width, "height": height})
                admin.go(f"/moderation/cases/{number}")
                path = folder / f"case-{width}.png"
                if width < 960:  # one column: down to the dialogue, the panel above it
                    dialogue = admin.page.locator("#dialogue-heading").bounding_box()
                    assert dialogue is not None
                    clip = FloatRect(x=0, y=0, width=width, height=dialogue["y"] + 160)
                    admin.page.screenshot(path=path, full_page=True, clip=clip)
                else:
                    admin.page.screenshot(path=path)
                saved.append(path)
            for person in (reporter, admin):
                assert not person.traffic.outside, person.traffic.outside
                person.close()
            browser.close()
    finally:
        portal.stop()
    return saved


if __name__ == "__main__":
    for made in take(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "images"):
        print(made)
