"""A person at a browser: one Playwright context with a language, JavaScript on or off, and a
record of every request its pages make.

Requests to any origin but the portal's are recorded and aborted, so every page is exercised with
the network to everything else blocked (DESIGN.md §3: no resource from another origin).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from babel.support import NullTranslations, Translations
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Request, Response, Route

TRANSLATIONS = Path(__file__).resolve().parents[2] / "portal" / "translations"
# The browser's own language setting; the portal reads it from Accept-Language.
BROWSER_LOCALES = {"sv": "sv-SE", "en": "en-GB"}
LOCAL_SCHEMES = ("data:", "about:", "blob:")


@cache
def catalogue(language: str) -> NullTranslations:
    return Translations.load(str(TRANSLATIONS), [language])


def translate(language: str, msgid: str, **values: Any) -> str:
    """``msgid`` as the portal shows it in ``language`` (the compiled catalogue it serves)."""
    text = str(catalogue(language).gettext(msgid))
    return text % values if values else text


def translate_plural(language: str, singular: str, plural: str, num: int) -> str:
    return str(catalogue(language).ngettext(singular, plural, num)) % {"num": num}


@dataclasses.dataclass
class Traffic:
    """Every request a context made; those to another origin are aborted and kept apart."""

    origin: str
    requests: list[str] = dataclasses.field(default_factory=list)
    outside: list[str] = dataclasses.field(default_factory=list)

    def own(self, url: str) -> bool:
        if url.startswith(LOCAL_SCHEMES):
            return True
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}" == self.origin

    def record(self, request: Request) -> None:
        self.requests.append(request.url)
        if not self.own(request.url):
            self.outside.append(request.url)

    def guard(self, route: Route) -> None:
        if self.own(route.request.url):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    def watch(self, context: BrowserContext) -> None:
        context.on("request", self.record)
        context.route("**/*", self.guard)


class Visitor:
    def __init__(
        self,
        browser: Browser,
        origin: str,
        language: str,
        javascript: bool,
        label: str,
        bypass_csp: bool = False,
    ) -> None:
        self.origin = origin
        self.language = language
        self.javascript = javascript
        self.label = label
        self.traffic = Traffic(origin)
        self.context = browser.new_context(
            base_url=origin,
            locale=BROWSER_LOCALES[language],
            java_script_enabled=javascript,
            bypass_csp=bypass_csp,
        )
        self.context.set_default_timeout(10_000)
        self.traffic.watch(self.context)
        self.page = self.context.new_page()

    def t(self, msgid: str, **values: Any) -> str:
        return translate(self.language, msgid, **values)

    def tn(self, singular: str, plural: str, num: int) -> str:
        return translate_plural(self.language, singular, plural, num)

    def go(self, path: str, status: int = 200) -> Response:
        response = self.page.goto(path)
        assert response is not None and response.status == status, (path, response and response.status)
        return response

    @contextmanager
    def navigation(self, status: int | None = None) -> Iterator[None]:
        """Wrap an action that submits a form or follows a link: waits for the next page."""
        with self.page.expect_navigation() as info:
            yield
        if status is not None:
            response = info.value
            assert response is not None and response.status == status, (
                self.page.url,
                response and response.status,
            )

    def press_button(
        self, name: str, within: Locator | Page | None = None, status: int | None = None
    ) -> None:
        scope = within or self.page
        with self.navigation(status):
            scope.get_by_role("button", name=name, exact=True).click()

    def follow_link(self, name: str, status: int | None = 200) -> None:
        with self.navigation(status):
            self.page.get_by_role("link", name=name, exact=True).first.click()

    def field(self, label: str) -> Locator:
        return self.page.get_by_label(label, exact=True)

    def heading(self) -> str:
        return self.page.locator("h1").inner_text().strip()

    def flash(self) -> str:
        return self.page.locator(".flashes").inner_text().strip()

    def path(self) -> str:
        return urlsplit(self.page.url).path

    def close(self) -> None:
        self.context.close()
