"""Fixtures of the browser suite: one live portal and one headless Debian chromium for the session.

Skipped, with the reason, when Debian's chromium or the vendored axe-core is missing. Every
visitor's pages are screenshot into test-artifacts/ when a test fails, and every test checks at
the end that its pages asked nothing of any origin but the portal's.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from tests.browser.accessibility import AXE_PATH, Axe, dump
from tests.browser.site import LivePortal, start_portal
from tests.browser.visitor import Visitor

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# A second wall besides the routes: the browser resolves no host name but the loopback address.
CHROMIUM_ARGS = [
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    "--disable-background-networking",
]
FIGURES: dict[str, Any] = {"axe_checks": 0, "requests": 0, "outside_requests": 0, "visitors": 0}
CALL_REPORT = pytest.StashKey[pytest.TestReport]()

VisitorFactory = Callable[..., Visitor]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report: pytest.TestReport = yield
    if report.when == "call":
        item.stash[CALL_REPORT] = report
    return report


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(
            f"browser suite skipped: Debian's chromium ({CHROMIUM}) is missing: apt-get install chromium"
        )
    if not AXE_PATH.exists():
        pytest.skip(f"browser suite skipped: {AXE_PATH} is missing: run `make setup-dev` (vendors axe-core)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def portal(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LivePortal]:
    started = time.monotonic()
    live = start_portal(tmp_path_factory.mktemp("browser-portal"))
    FIGURES["server_start_seconds"] = round(time.monotonic() - started, 1)
    yield live
    live.stop()


@pytest.fixture(scope="session")
def axe(browser: Browser, portal: LivePortal) -> Iterator[Axe]:
    checker = Axe.open(browser, portal.origin)
    yield checker
    FIGURES.update(checker.figures())
    FIGURES["requests"] += len(checker.traffic.requests)
    FIGURES["outside_requests"] += len(checker.traffic.outside)
    checker.close()


def _artifact_name(nodeid: str, label: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{nodeid}-{label}").strip("_")[-150:] + ".png"


def _screenshot(person: Visitor, nodeid: str) -> None:
    """The page as it was when the test failed (a page that cannot be shot must not hide the failure)."""
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        person.page.screenshot(path=ARTIFACTS / _artifact_name(nodeid, person.label), full_page=True)
    except PlaywrightError as error:
        print(f"no screenshot of {person.label}: {error}")


@pytest.fixture
def visitor(browser: Browser, portal: LivePortal, request: pytest.FixtureRequest) -> Iterator[VisitorFactory]:
    """``visitor(language, javascript=False, label=..., bypass_csp=False)``: a new person at the browser."""
    made: list[Visitor] = []

    def make(
        language: str, javascript: bool = False, label: str = "visitor", bypass_csp: bool = False
    ) -> Visitor:
        person = Visitor(browser, portal.origin, language, javascript, label, bypass_csp)
        made.append(person)
        return person

    yield make
    report = request.node.stash.get(CALL_REPORT, None)
    failed = report is not None and report.failed
    for person in made:
        if failed:
            _screenshot(person, request.node.nodeid)
        FIGURES["requests"] += len(person.traffic.requests)
        FIGURES["outside_requests"] += len(person.traffic.outside)
        FIGURES["visitors"] += 1
        person.close()
    for person in made:
        assert not person.traffic.outside, f"{person.label} asked another origin: {person.traffic.outside}"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if FIGURES["visitors"]:
        dump(ARTIFACTS / "browser-figures.json", FIGURES)
        terminalreporter.write_line(
            "browser suite: {visitors} visitors, {axe_checks} page states ({pages} pages) checked by axe, "
            "{requests} requests recorded, {outside_requests} to another origin".format(
                pages=len(FIGURES.get("axe_pages", [])), **FIGURES
            )
        )
