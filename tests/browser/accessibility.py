"""axe-core on a page as a visitor sees it, at WCAG 2.1 A and AA, plus the portal's own checks.

axe needs JavaScript: its checks run on timers, and a page whose JavaScript is disabled never
fires a timer (``page.evaluate`` still reaches such a page, but ``axe.run`` never resolves there).
The reporter and forum paths are driven with JavaScript off, as a Tor Browser user in its safest
mode would be, so for those pages the DOM exactly as the visitor has it is handed to a second,
JavaScript-enabled page on the same origin (written into that page's document, so the server
sees nothing twice and one-time pages stay one-time); its stylesheet loads from the portal as
usual, and axe runs there. Pages of JavaScript-enabled visitors are checked where they are.

axe is evaluated through the DevTools protocol, which the pages' own Content-Security-Policy does
not govern; it is never served to users.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Page

from tests.browser.visitor import Traffic, Visitor

AXE_PATH = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WIDTHS = (390, 768, 1280)  # px: a phone, a tablet or a half screen, a laptop
# axe marks as "incomplete" what it cannot decide alone. The portal changes no page with script,
# so for every rule but contrast (text in SVG charts, over images) that is a finding as well.
LEFT_TO_A_PERSON = {"color-contrast"}
# What sticks out past the screen's right edge, in the part of the page that is checked.
WIDER = """([within, w]) => [...document.querySelectorAll(within + ', ' + within + ' *')]
  .filter(e => e.getBoundingClientRect().right > w + 0.5)
  .slice(0, 5).map(e => e.outerHTML.slice(0, 120))"""
RUN = "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations', 'incomplete']})"

# Every form control a person can reach must have a label of its own (WCAG 1.3.1, 4.1.2).
UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(e => !['hidden', 'submit', 'button', 'reset'].includes(e.type))
  .filter(e => e.labels.length === 0 && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
  .map(e => e.outerHTML)"""


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:5]:
            summary = (node.get("failureSummary") or "").splitlines() or [""]
            lines.append(f"    {' '.join(map(str, node['target']))}: {summary[-1]}")
            lines.append(f"      {node['html'][:200]}")
    return "\n".join(lines)


@dataclasses.dataclass
class Axe:
    source: str
    mirror: Page
    traffic: Traffic
    checked: list[str] = dataclasses.field(default_factory=list)
    # Nodes axe could not decide (e.g. text over a gradient): counted for a person to review.
    needs_review: Counter[str] = dataclasses.field(default_factory=Counter)

    @classmethod
    def open(cls, browser: Browser, origin: str) -> Axe:
        context = browser.new_context(base_url=origin)
        traffic = Traffic(origin)
        traffic.watch(context)
        mirror = context.new_page()
        mirror.goto("/")
        return cls(AXE_PATH.read_text(), mirror, traffic)

    def close(self) -> None:
        self.mirror.context.close()

    def _copy_of(self, page: Page) -> Page:
        # set_content rewrites the checking page's document in place: it stays on the portal's
        # origin (so the stylesheet loads from it), waits for the stylesheet, and keeps axe loaded.
        self.mirror.set_content(page.content())
        return self.mirror

    def check(self, visitor: Visitor, state: str = "") -> None:
        """Fail with every violation listed; ``state`` names what is shown (errors, a warning …)."""
        page = visitor.page
        where = f"{visitor.language} {page.url}{' (' + state + ')' if state else ''}"
        assert page.locator("html").get_attribute("lang") == visitor.language, where
        unlabelled = page.evaluate(UNLABELLED)
        assert not unlabelled, f"controls without a label on {where}: {unlabelled}"
        target = page if visitor.javascript else self._copy_of(page)
        if target.evaluate("typeof axe") == "undefined":
            target.evaluate(self.source)
        result = target.evaluate(RUN, WCAG_21_AA)
        self.checked.append(where)
        undecided = [rule for rule in result["incomplete"] if rule["id"] in LEFT_TO_A_PERSON]
        self.needs_review.update({rule["id"]: len(rule["nodes"]) for rule in undecided})
        violations = result["violations"] + [
            r for r in result["incomplete"] if r["id"] not in LEFT_TO_A_PERSON
        ]
        ran = {rule["id"] for kind in ("passes", "violations", "incomplete") for rule in result[kind]}
        assert "color-contrast" in ran, f"axe checked no text contrast on {where}"
        assert not violations, (
            f"axe found {len(violations)} violation(s) on {where}:\n{_describe(violations)}"
        )

    def check_widths(
        self, visitor: Visitor, state: str = "", widths: tuple[int, ...] = WIDTHS, within: str = "body"
    ) -> None:
        """``check`` at a phone's, a tablet's and a laptop's width (issue 17): the page is laid out
        again at each (the checking page too, for a visitor without script), and nothing in
        ``within`` may reach past the screen's right edge (WCAG 1.4.10, reflow). The visitor's
        width is restored after."""
        size = visitor.page.viewport_size or {"width": 1280, "height": 720}
        try:
            for width in widths:
                visitor.page.set_viewport_size({"width": width, "height": size["height"]})
                self.mirror.set_viewport_size({"width": width, "height": size["height"]})
                wider = visitor.page.evaluate(WIDER, [within, width])
                assert not wider, f"{visitor.page.url} at {width} px: wider than the screen: {wider}"
                self.check(visitor, f"{state + ', ' if state else ''}{width} px")
        finally:
            visitor.page.set_viewport_size(size)
            self.mirror.set_viewport_size(size)

    def figures(self) -> dict[str, Any]:
        pages = sorted({re.sub(r"/\d+", "/<n>", urlsplit(where.split()[1]).path) for where in self.checked})
        return {
            "axe_checks": len(self.checked),
            "axe_pages": pages,
            "axe_needs_review": dict(self.needs_review),
            "axe_states": self.checked,
        }


def dump(path: Path, figures: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=2))
