"""No page asks anything of another origin, and every page works with everything else blocked
(DESIGN.md §3: no resource from another origin; threat 3: the employer's network sees only a
visit). Every test of the suite records its requests and fails on one to another origin; this
one walks the public pages with JavaScript off and looks at what they refer to.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Error

from tests.browser.conftest import VisitorFactory

PUBLIC_PAGES = [
    "/",
    "/report",
    "/followup",
    "/forum/",
    "/forum/hot-och-trakasserier",
    "/forum/hot-och-trakasserier/new",
    "/forum/code",
    "/moderation/login",
]
# Every address a page refers to: links, forms, images, stylesheets, scripts, frames.
# Every address a page refers to: links, forms, images, stylesheets, scripts, frames. Read as
# attributes: a form's ``action`` property can be shadowed by a control named "action".
REFERENCES = """() => [...document.querySelectorAll('[href], [src], [action], [formaction]')]
  .flatMap(e => ['href', 'src', 'action', 'formaction'].filter(a => e.hasAttribute(a))
  .map(a => new URL(e.getAttribute(a), document.baseURI).href))"""
# portal.css sets the focus colour on :root; unset means the stylesheet did not load.
STYLED = "() => getComputedStyle(document.documentElement).getPropertyValue('--focus').trim()"


@pytest.mark.parametrize("language", ["sv", "en"])
def test_public_pages_refer_only_to_the_portal_and_work_alone(language: str, visitor: VisitorFactory) -> None:
    person = visitor(language, label="public")
    for path in PUBLIC_PAGES:
        person.go(path)
        assert person.page.evaluate(STYLED), f"{path}: the stylesheet did not apply"
        assert person.page.locator("h1").count() == 1, path
        foreign = [url for url in person.page.evaluate(REFERENCES) if not person.traffic.own(url)]
        assert not foreign, f"{path} refers to another origin: {foreign}"
    requested = {url.removeprefix(person.origin) for url in person.traffic.requests}
    assert requested >= set(PUBLIC_PAGES)
    # The stylesheet under its versioned URL (cached for a year: asked for once, not per page).
    assert any(re.fullmatch(r"/static/portal\.css\?v=[0-9a-f]{12}", url) for url in requested), requested
    assert all(url.startswith(person.origin) for url in person.traffic.requests), person.traffic.requests


def test_a_request_to_another_origin_is_recorded_and_blocked(visitor: VisitorFactory) -> None:
    """The guard itself: were a page to ask another origin, the suite would see it and it would fail."""
    person = visitor("sv", javascript=True, label="guard")
    person.go("/")
    person.page.evaluate("() => { const i = new Image(); i.src = 'http://cdn.example/pixel.gif'; }")
    person.page.wait_for_timeout(200)
    with pytest.raises(Error):
        person.page.goto("http://outside.example/tracker.js")
    assert person.traffic.outside == ["http://cdn.example/pixel.gif", "http://outside.example/tracker.js"]
    person.traffic.outside.clear()  # seen and blocked, as intended: not a finding of this test
