"""Keeping a moderator out of a case, in a real browser without JavaScript, in Swedish and English:
the admin ticks the moderator on the case page and saves; the moderator's queue no longer shows
the case and its page answers as if it did not exist. The case page passes axe at WCAG 2.1 AA
with the access panel, before and after.
"""

from __future__ import annotations

import uuid

import pytest

from tests.browser import steps
from tests.browser.accessibility import Axe
from tests.browser.conftest import VisitorFactory
from tests.browser.site import LivePortal


@pytest.mark.parametrize("language", ["sv", "en"])
def test_an_admin_keeps_a_moderator_out_of_a_case(
    language: str, visitor: VisitorFactory, portal: LivePortal, axe: Axe
) -> None:
    description = f"Ordföranden i nämnden hörde av sig igen om bygglovet ({uuid.uuid4().hex[:8]})."
    steps.report(visitor(language, label="reporter"), description)
    account = portal.new_moderator()

    moderator = visitor(language, label="moderator")
    steps.log_in(moderator, account)
    number = steps.open_newest_case(moderator)
    assert description in moderator.page.locator("main").inner_text()

    admin = visitor(language, label="admin")
    steps.log_in(admin, portal.new_admin())
    admin.go(f"/moderation/cases/{number}")
    assert (
        admin.t(
            "Administrators read every case: they hold the organisation key and cannot be kept out of a case."
        )
        in admin.page.locator("main").inner_text()
    )
    axe.check(admin, "access panel")
    admin.page.get_by_label(account.username, exact=True).check()
    admin.press_button(admin.t("Save who may read the case"), status=200)
    assert admin.flash() == admin.t("Who may read the case has been changed.")
    assert admin.page.get_by_label(account.username, exact=True).is_checked()
    axe.check(admin, "moderator kept out")

    moderator.go(f"/moderation/cases/{number}", status=404)
    assert description not in moderator.page.content()
    moderator.go("/moderation/cases?sort=newest")
    assert f'href="/moderation/cases/{number}"' not in moderator.page.content()
