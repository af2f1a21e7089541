"""What people do in the portal, step by step, through the pages (shared by the path tests).

Each step takes an optional :class:`Axe` and checks every page it passes when given one.
"""

from __future__ import annotations

import re

from tests.accounts import Account
from tests.browser.accessibility import Axe
from tests.browser.visitor import Visitor


def _check(axe: Axe | None, person: Visitor, state: str = "") -> None:
    if axe is not None:
        axe.check(person, state)


# --- the reporter -------------------------------------------------------------------------------


def report(person: Visitor, description: str, axe: Axe | None = None) -> str:
    """Fill in and send the report form; returns the one-time code from the receipt."""
    page = person.page
    if person.path() != "/report":
        person.go("/report")
    page.locator("input[name=kind][value=whistleblowing]").check()
    person.field(person.t("What kind of influence?")).select_option("threats")
    person.field(person.t("Area of work")).select_option("income_support")
    person.field(person.t("What happened?")).fill(description)
    person.press_button(person.t("Send report"), status=200)
    return keep_receipt(person, axe)


def keep_receipt(person: Visitor, axe: Axe | None = None) -> str:
    """Read the code on the receipt page and confirm that it is written down."""
    assert person.path() == "/report/receipt", person.page.url
    _check(axe, person)
    code = person.page.locator("[data-receipt-code]").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", code), code
    if axe is not None:
        person.follow_link(person.t("Printable view of the code"))
        assert person.page.locator("[data-receipt-code]").inner_text().strip() == code
        axe.check(person, "printable code")
        person.follow_link(person.t("Back"))
    person.field(person.t("I have written down or stored my code")).check()
    person.press_button(person.t("Done"), status=200)
    return code


def open_case(person: Visitor, code: str, axe: Axe | None = None) -> None:
    """Return with the code: from the follow-up page to the case page."""
    if person.path() != "/followup":
        person.go("/followup")
    _check(axe, person)
    person.field(person.t("Your code")).fill(code.lower().replace("-", " "))
    person.press_button(person.t("Open"), status=200)
    assert person.path() == "/followup/case", person.page.url


def reply_to_moderators(person: Visitor, text: str) -> None:
    person.field(person.t("Your message")).fill(text)
    person.press_button(person.t("Send message"), status=200)
    assert person.flash() == person.t("Your message has been sent.")


# --- the moderator ------------------------------------------------------------------------------


def log_in(person: Visitor, account: Account, axe: Axe | None = None) -> None:
    person.go("/moderation/login")
    _check(axe, person)
    person.field(person.t("User name")).fill(account.username)
    person.field(person.t("Password")).fill(account.password)
    person.field(person.t("One-time code")).fill(account.next_code())
    person.press_button(person.t("Log in"), status=200)
    assert person.path() == "/moderation/", person.page.url


def open_newest_case(person: Visitor, axe: Axe | None = None) -> int:
    """From the queue, newest first, to the newest case; returns its number."""
    person.go("/moderation/cases?sort=newest")
    _check(axe, person, "newest first")
    first = person.page.locator("table.queue tbody tr").first.get_by_role("link").first
    with person.navigation(200):
        first.click()
    number = re.search(r"/moderation/cases/(\d+)$", person.page.url)
    assert number, person.page.url
    return int(number.group(1))


def send_to_reporter(person: Visitor, text: str) -> None:
    """On a case page: write to the reporter."""
    person.field(person.t("Message to the reporter")).fill(text)
    person.press_button(person.t("Send to the reporter"), status=200)


def publish_post(person: Visitor, contains: str, axe: Axe | None = None) -> None:
    """In the forum queue: publish the post whose text contains ``contains``."""
    person.go("/moderation/forum")
    _check(axe, person)
    item = person.page.locator("article.queue-item", has_text=contains)
    person.press_button(person.t("Publish"), within=item, status=200)
    assert person.flash() == person.t("The post is published.")


# --- the forum writer ---------------------------------------------------------------------------


def take_forum_code(person: Visitor, axe: Axe | None = None) -> str:
    """From the forum's front page: get a forum code; returns it (the pseudonym page follows)."""
    person.go("/forum/")
    _check(axe, person)
    person.press_button(person.t("Get a forum code"), within=person.page.locator("main"), status=200)
    assert person.path() == "/forum/code/receipt", person.page.url
    _check(axe, person)
    code = person.page.locator("[data-receipt-code]").inner_text().strip()
    person.press_button(person.t("I have saved it"), status=200)
    assert person.path() == "/forum/mine", person.page.url
    return code


def start_thread(person: Visitor, board_name: str, title: str, body: str, axe: Axe | None = None) -> None:
    """From the forum's front page through a board to a new thread, sent after the check."""
    person.go("/forum/")
    person.follow_link(board_name)
    _check(axe, person)
    person.follow_link(person.t("Start a new thread"))
    _check(axe, person)
    person.field(person.t("Title")).fill(title)
    person.field(person.t("Your post")).fill(body)
    person.press_button(person.t("Check and send"), status=200)
