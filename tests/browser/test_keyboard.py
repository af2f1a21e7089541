"""The report form with the keyboard alone (WCAG 2.1.1), JavaScript off: skip link, radio
buttons with the arrow keys, selects, the text, a checkbox, sending, and confirming the code.
Every stop of the Tab key must show where the focus is (WCAG 2.4.7) and none may be hidden.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import VisitorFactory
from tests.browser.site import LivePortal
from tests.browser.visitor import Visitor

# What has the focus, and how it shows it.
FOCUSED = """() => {
  const e = document.activeElement;
  const style = getComputedStyle(e);
  const box = e.getBoundingClientRect();
  return {tag: e.tagName.toLowerCase(), id: e.id, name: e.getAttribute('name') || '', type: e.type || '',
          value: e.value || '', checked: !!e.checked, text: (e.innerText || '').trim(),
          outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
          visible: box.width > 1 && box.height > 1}
}"""
MAX_TABS = 40


def focused(person: Visitor) -> dict[str, Any]:
    state: dict[str, Any] = person.page.evaluate(FOCUSED)
    return state


def tab(person: Visitor) -> dict[str, Any]:
    person.page.keyboard.press("Tab")
    state = focused(person)
    assert state["visible"] and state["outline"], f"focus is hidden or shows no outline: {state}"
    return state


def tab_until(person: Visitor, stop: dict[str, str], on_the_way: dict[str, str] | None = None) -> None:
    """Tab until the focused element has every item of ``stop``; press Space where ``on_the_way`` says."""
    for _ in range(MAX_TABS):
        state = tab(person)
        assert state["name"] != "website", "the hidden honeypot field took the focus"
        if on_the_way and all(state.get(k) == v for k, v in on_the_way.items()):
            person.page.keyboard.press("Space")
        if all(state.get(k) == v for k, v in stop.items()):
            return
    raise AssertionError(f"{stop} was not reached with {MAX_TABS} presses of Tab")


@pytest.mark.parametrize("language", ["sv", "en"])
def test_report_form_completed_with_the_keyboard_alone(
    language: str, visitor: VisitorFactory, portal: LivePortal
) -> None:
    person = visitor(language, label="keyboard")
    keyboard = person.page.keyboard
    person.go("/report")

    assert tab(person)["text"] == person.t("Skip to content")
    keyboard.press("Enter")
    first = tab(person)
    assert (first["name"], first["value"], first["checked"]) == ("kind", "influence", True)
    keyboard.press("ArrowDown")
    assert (focused(person)["value"], focused(person)["checked"]) == ("whistleblowing", True)

    assert tab(person)["id"] == "category"
    keyboard.press("ArrowDown")
    keyboard.press("ArrowDown")
    assert focused(person)["value"] == "threats"
    assert tab(person)["id"] == "area"
    keyboard.press("ArrowDown")
    assert focused(person)["value"] == "income_support"
    assert tab(person)["id"] == "description"
    keyboard.type("Någon ställde sig utanför mitt kontor varje morgon i två veckor.")

    tab_until(person, {"tag": "button", "type": "submit"}, on_the_way={"id": "reported_to_police"})
    with person.navigation(200):
        keyboard.press("Enter")
    assert person.path() == "/report/receipt", person.page.url
    sent = portal.newest_report()
    assert (sent.kind, sent.category, sent.area) == ("whistleblowing", "threats", "income_support")
    assert sent.reported_to_police and not sent.reported_to_incident_system

    tab_until(person, {"id": "stored"})
    keyboard.press("Space")
    assert focused(person)["checked"]
    tab_until(person, {"tag": "button", "type": "submit"})
    with person.navigation(200):
        keyboard.press("Enter")
    assert person.path() == "/followup"
    assert person.flash() == person.t(
        "Thank you. Your report has been sent. Come back with your code to read the answer."
    )
