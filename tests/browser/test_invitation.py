"""An admin invites a colleague, who makes their own account through the link (issue 17, item 14),
in Chromium: the link is shown once, the colleague chooses the passphrase, connects the app and
logs in; axe checks every new page."""

from __future__ import annotations

from urllib.parse import urlsplit

import pyotp
import pytest

from tests.accounts import Account
from tests.browser import steps
from tests.browser.accessibility import Axe
from tests.browser.conftest import VisitorFactory
from tests.browser.site import LivePortal

PASSPHRASE = "lanterns drift over the sleeping orchard"


@pytest.mark.parametrize("language", ["sv", "en"])
def test_an_invited_colleague_makes_their_own_account(
    language: str, visitor: VisitorFactory, portal: LivePortal, axe: Axe
) -> None:
    admin = visitor(language, javascript=True, label="admin")
    steps.log_in(admin, portal.new_admin())
    admin.go("/moderation/users/new")
    axe.check(admin)
    username = f"inbjuden-{language}"
    admin.field(admin.t("User name")).fill(username)
    admin.press_button(admin.t("Make the invitation link"), status=200)
    assert admin.path() == "/moderation/users/invitation"
    axe.check(admin, "link shown")
    link = admin.field(admin.t("Link")).input_value()
    assert "/enrol/" in link
    admin.go("/moderation/users/invitation")  # a reload shows it no more
    assert admin.path() == "/moderation/users"
    assert link not in admin.page.content()
    axe.check(admin, "with an open invitation")

    colleague = visitor(language, javascript=False, label="colleague")
    colleague.go(urlsplit(link).path)
    axe.check(colleague, "invited")
    assert username in colleague.page.locator("form").inner_text()
    colleague.field(colleague.t("Passphrase")).fill(PASSPHRASE)
    colleague.field(colleague.t("Repeat the passphrase")).fill(PASSPHRASE)
    colleague.press_button(colleague.t("Continue"), status=200)
    assert colleague.path() == "/setup/totp"
    axe.check(colleague, "authenticator app")
    secret = colleague.page.locator("code.secret").get_attribute("data-secret")
    assert secret
    colleague.field(colleague.t("One-time code")).fill(pyotp.TOTP(secret).now())
    colleague.press_button(colleague.t("Confirm"), status=200)
    assert colleague.path() == "/moderation/login"
    account = Account(username, PASSPHRASE, secret, None)
    account.next_code()  # the set-up step's code is spent
    steps.log_in(colleague, account)
    waiting = "You cannot read reports yet: an administrator must grant your account access to the organisation key."
    assert colleague.page.get_by_text(colleague.t(waiting)).count() == 1
