"""Is a page inert? Parse it with html.parser and look for anything a payload could have added.

A page passes when no payload appears raw (with its markup characters unescaped), every payload
that the page shows appears as text or as an attribute's value (so the check is not vacuous), and
the parsed page holds no script, no event-handler attribute, no ``javascript:`` (or ``vbscript:``,
``data:``) URL, no refresh or base element, and only elements the portal's own templates contain.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# Written by WTForms widgets and by the statistics charts (portal/moderation/stats/charts.py).
GENERATED_TAGS = frozenset(
    {
        "input",
        "label",
        "select",
        "optgroup",
        "option",
        "textarea",
        "ul",
        "li",
        "svg",
        "g",
        "rect",
        "line",
        "text",
        "title",
        "desc",
    }
)
FORBIDDEN_TAGS = frozenset({"script", "iframe", "frame", "object", "embed", "base", "applet", "xml", "style"})
URL_ATTRIBUTES = frozenset(
    {
        "href",
        "src",
        "action",
        "formaction",
        "data",
        "background",
        "dynsrc",
        "lowsrc",
        "poster",
        "xlink:href",
        "content",
    }
)
BAD_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:")
MARKUP_CHARACTERS = set("<>\"'")


@cache
def template_tags() -> frozenset[str]:
    found: set[str] = set()
    for path in TEMPLATES.rglob("*.html"):
        found.update(tag.lower() for tag in re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", path.read_text()))
    return frozenset(found | GENERATED_TAGS) - FORBIDDEN_TAGS


class ParsedPage(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.texts.append(data)


def _scheme(value: str) -> str:
    # Browsers ignore control characters and whitespace inside a scheme ("jav\tascript:").
    return re.sub(r"[\x00-\x20]", "", value).lower()


def problems(html: str, payloads: Iterable[str], shown: bool = True) -> list[str]:
    """Everything wrong with this page; empty when it is inert."""
    found: list[str] = []
    payloads = list(payloads)
    for payload in payloads:
        if MARKUP_CHARACTERS & set(payload) and payload in html:
            found.append(f"raw payload in page: {payload[:60]!r}")
    page = ParsedPage()
    page.feed(html)
    page.close()
    allowed = template_tags()
    values: list[str] = []
    for tag, attrs in page.elements:
        if tag in FORBIDDEN_TAGS or tag not in allowed:
            found.append(f"element <{tag}> the templates never write")
        for name, value in attrs:
            value = value or ""
            values.append(value)
            if name.startswith("on"):
                found.append(f"event handler {name}= on <{tag}>")
            url = _scheme(value)
            if name in URL_ATTRIBUTES and (url.startswith(BAD_SCHEMES) or "url=javascript:" in url):
                found.append(f"script URL in {name}= on <{tag}>: {value[:60]!r}")
            if tag == "meta" and name == "http-equiv" and value.lower() == "refresh":
                found.append("meta refresh")
    if shown:
        text = "".join(page.texts)
        for payload in payloads:
            if payload not in text and not any(payload in value for value in values):
                found.append(f"payload not shown as text: {payload[:60]!r}")
    return found


def assert_inert(html: str, payloads: Iterable[str], where: str, shown: bool = True) -> None:
    found = problems(html, payloads, shown)
    assert not found, (where, found[:10])
