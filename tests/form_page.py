"""The one POST form of a page, read as a browser would send it; and a text long enough to need
new pages of the database file (a full disk refuses them). For the tests of the calm 503 that
gives back what was typed (tests/http/test_unavailable.py, tests/faults/test_disk_full.py)."""

from __future__ import annotations

from html.parser import HTMLParser

from tests.reporting_helpers import DESCRIPTION

# Long enough to need new pages of the database file (a full disk refuses them).
TYPED = (
    DESCRIPTION + "\nHan sa det två gånger, <b>inte</b> på skämt & inför kollegor." + " Det fortsatte." * 400
)


class FormOfPage(HTMLParser):
    """The fields of the page's one POST form, as a browser would send them."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.action = ""
        self.fields: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form" and values.get("method") == "post":
            self.action = values["action"]
        elif tag == "input" and "name" in values:
            self.fields.append((values["name"], values.get("value", "")))
        elif tag == "textarea" and "name" in values:
            self._textarea = values["name"]
            self.fields.append((self._textarea, ""))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            name, typed = self.fields[-1]
            self.fields[-1] = (name, typed + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
