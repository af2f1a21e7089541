"""How reports are handled, in a real browser, in Swedish and in English: after a report of this
run, the page is reached from the statistics page, draws its charts as images with a text
alternative beside tables with headers, and passes axe at WCAG 2.1 AA, also with a refused range."""

from __future__ import annotations

import pytest

from tests.browser import steps
from tests.browser.accessibility import Axe
from tests.browser.conftest import VisitorFactory
from tests.browser.site import LivePortal

TITLE = {"sv": "Så hanteras anmälningarna", "en": "How reports are handled"}


@pytest.mark.parametrize("language", ["sv", "en"])
def test_handling_statistics_page(
    language: str, visitor: VisitorFactory, portal: LivePortal, axe: Axe
) -> None:
    reporter = visitor(language, label="reporter")
    steps.report(reporter, "Sökanden ringde min chef varje dag tills beslutet ändrades.")
    admin = visitor(language, javascript=True, label="admin")
    steps.log_in(admin, portal.new_admin())
    admin.go("/moderation/stats")
    with admin.navigation(200):
        admin.page.get_by_role("link", name=TITLE[language], exact=True).click()
    assert admin.path() == "/moderation/stats/handling"
    assert admin.page.get_by_role("heading", level=1).inner_text() == TITLE[language]
    # Eight charts, each one image named by its title and described; tables with column headers.
    charts = admin.page.get_by_role("img")
    assert charts.count() == 8
    for n in range(charts.count()):
        assert charts.nth(n).get_attribute("aria-labelledby")
    assert admin.page.locator("table.stats").count() == 10
    assert admin.page.locator("table.stats th[scope=col]").count() > 0
    axe.check(admin, "handling statistics")
    admin.go("/moderation/stats/handling?date_from=2024-05&date_to=2024-01", status=400)
    assert admin.page.get_by_role("img").count() == 0
    axe.check(admin, "refused range")
