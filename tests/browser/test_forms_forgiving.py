"""The report form forgives, in a real browser with JavaScript off (issue 17, items 1 and 4): a
form left open past its token's lifetime comes back with the text, and "Back" and "Send" again
after the receipt make no second case.

The portal here runs one worker, as an installation on SQLite does (docs/deploy.md): a form sent
twice is recognised in the limiter's storage, which is this one process's memory without Redis.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from playwright.sync_api import Browser, Route
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.models import Report
from portal.security import csrf
from tests.browser import steps
from tests.browser.accessibility import Axe
from tests.browser.site import LivePortal, start_portal
from tests.browser.visitor import Visitor

LANGUAGES = ["sv", "en"]
ALREADY = (
    "This report was already received. Your code was on the receipt page. If you did not write it "
    "down, send a new report and say so."
)
NINE_HOURS = 9 * 60 * 60  # seconds: past the longest session, so past every form token
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="[^"]+"')


@pytest.fixture(scope="module")
def portal(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LivePortal]:
    live = start_portal(tmp_path_factory.mktemp("forms-portal"), workers=1)
    yield live
    live.stop()


@pytest.fixture(scope="module")
def axe(browser: Browser, portal: LivePortal) -> Iterator[Axe]:
    checker = Axe.open(browser, portal.origin)
    yield checker
    checker.close()


@pytest.fixture
def visitor(browser: Browser, portal: LivePortal) -> Iterator[Callable[..., Visitor]]:
    """Visitors of this module's portal (the suite's ``visitor`` fixture serves the shared one)."""
    made: list[Visitor] = []

    def make(language: str, javascript: bool = False, label: str = "visitor") -> Visitor:
        made.append(Visitor(browser, portal.origin, language, javascript, label))
        return made[-1]

    yield make
    for person in made:
        assert not person.traffic.outside, person.traffic.outside
        person.close()


def _reports(portal: LivePortal) -> int:
    with Session(portal.app.extensions["portal.engine"]) as db:
        return int(db.scalar(select(func.count()).select_from(Report)) or 0)


def _fill(person: Visitor, description: str) -> None:
    person.field(person.t("What kind of influence?")).select_option("threats")
    person.field(person.t("What happened?")).fill(description)


@pytest.mark.parametrize("language", LANGUAGES)
def test_back_and_send_again_makes_no_second_case(
    language: str, visitor: Callable[..., Visitor], portal: LivePortal, axe: Axe
) -> None:
    reporter = visitor(language, javascript=False, label="reporter")
    description = (
        f"Chefen sa att jag skulle ändra beslutet, annars blir det konsekvenser ({uuid.uuid4().hex[:8]})."
    )
    before = _reports(portal)
    reporter.go("/report")
    _fill(reporter, description)
    reporter.press_button(reporter.t("Send report"), status=200)
    assert reporter.path() == "/report/receipt"

    reporter.page.go_back()  # the browser fetches the form anew and fills in what was typed
    assert reporter.path() == "/report"
    assert reporter.field(reporter.t("What happened?")).input_value() == description
    reporter.press_button(reporter.t("Send report"), status=409)
    summary = reporter.page.get_by_role("alert").inner_text()
    assert reporter.t(ALREADY) in summary
    assert reporter.field(reporter.t("What happened?")).input_value() == description
    axe.check(reporter, "sent twice")
    assert _reports(portal) == before + 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_form_open_for_nine_hours_comes_back_with_the_text(
    language: str, visitor: Callable[..., Visitor], portal: LivePortal, axe: Axe
) -> None:
    reporter = visitor(language, javascript=False, label="reporter")
    reporter.go("/report")  # the browser gets its CSRF cookie
    (cookie,) = [c["value"] for c in reporter.context.cookies() if c["name"] == csrf.COOKIE_NAME]

    class NineHoursAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - NINE_HOURS

    old = URLSafeTimedSerializer(portal.config.secret_key, salt=csrf.SALT, signer=NineHoursAgo).dumps(cookie)

    def as_served_nine_hours_ago(route: Route) -> None:
        # Drawn by the portal's app in this process (same database and secret: one sync worker
        # would be kept busy by the browser's open connection), with the old token put in.
        drawn = portal.app.test_client()
        drawn.set_cookie(csrf.COOKIE_NAME, cookie)
        page = drawn.get("/report", headers={"Accept-Language": route.request.headers["accept-language"]})
        body = TOKEN.sub(f'name="csrf_token" type="hidden" value="{old}"', page.get_data(as_text=True))
        route.fulfill(status=200, headers=dict(page.headers), body=body)

    reporter.page.route("**/report", as_served_nine_hours_ago)
    reporter.go("/report")
    reporter.page.unroute("**/report")
    description = (
        f"Sökanden hotade mig i telefon efter avslaget, två gånger samma vecka ({uuid.uuid4().hex[:8]})."
    )
    _fill(reporter, description)
    before = _reports(portal)
    reporter.press_button(reporter.t("Send report"), status=400)
    assert (
        reporter.t("The form has expired. Send it again.") in reporter.page.get_by_role("alert").inner_text()
    )
    assert reporter.field(reporter.t("What happened?")).input_value() == description
    axe.check(reporter, "expired form")
    assert _reports(portal) == before
    reporter.press_button(reporter.t("Send report"), status=200)
    steps.keep_receipt(reporter)
    assert _reports(portal) == before + 1
