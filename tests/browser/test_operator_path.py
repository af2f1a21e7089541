"""The installation operator and a new organisation's first admin, in a real browser: the operator
logs in, lands on /operator, creates Kommun B and copies its enrolment link; the admin opens it
with JavaScript off, goes through the three steps and logs in to B's dashboard. Every page passes
axe. A portal of its own: a second organisation would give the other browser tests a chooser.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyotp
import pytest
from playwright.sync_api import Browser
from sqlalchemy.orm import Session

from portal.accounts import service as accounts
from portal.models import Role
from tests.accounts import PASSWORD, Account
from tests.browser import steps
from tests.browser.accessibility import Axe
from tests.browser.site import LivePortal, start_portal
from tests.browser.visitor import Visitor

OPERATORS: dict[str, Account] = {}


@pytest.fixture(scope="module")
def installation(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LivePortal]:
    live = start_portal(tmp_path_factory.mktemp("operator"))
    with live.app.app_context(), Session(live.app.extensions["portal.engine"]) as db:
        made = accounts.create_user(db, "olle", Role.OPERATOR, PASSWORD, live.config)
        db.commit()
    OPERATORS["olle"] = Account("olle", PASSWORD, made.totp_secret, None)
    yield live
    live.stop()


@pytest.fixture(scope="module")
def own_axe(browser: Browser, installation: LivePortal) -> Iterator[Axe]:
    checker = Axe.open(browser, installation.origin)
    yield checker
    checker.close()


@pytest.mark.parametrize(("language", "slug"), [("sv", "kommun-b"), ("en", "kommun-c")])
def test_the_operator_creates_an_organisation_and_its_admin_enrols(
    language: str, slug: str, browser: Browser, installation: LivePortal, own_axe: Axe
) -> None:
    operator = Visitor(browser, installation.origin, language, True, "operator", False)
    admin = Visitor(browser, installation.origin, language, False, "admin", False)
    name = f"Kommun {slug[-1].upper()}"
    try:
        account = OPERATORS["olle"]
        operator.go("/moderation/login")
        operator.field(operator.t("User name")).fill(account.username)
        operator.field(operator.t("Password")).fill(account.password)
        operator.field(operator.t("One-time code")).fill(account.next_code())
        operator.press_button(operator.t("Log in"), status=200)
        assert operator.path() == "/operator/"
        own_axe.check(operator, "the operator's organisations")
        operator.field(operator.t("Name")).fill(name)
        operator.field(operator.t("Short name in the address")).fill(slug)
        operator.press_button(operator.t("Create"), status=200)
        assert operator.heading() == operator.t("Enrolment link for %(name)s", name=name)
        own_axe.check(operator, "the enrolment link")
        link = operator.page.locator("[data-enrolment-link]").inner_text().strip()
        operator.follow_link(operator.t("Back to %(name)s", name=name))
        own_axe.check(operator, "one organisation")

        admin.go(link.removeprefix(installation.origin))
        assert admin.heading() == admin.t("Set up %(name)s", name=name)
        own_axe.check(admin, "enrolment, step 1")
        admin.field(admin.t("User name")).fill(f"admin-{slug}")
        admin.field(admin.t("Passphrase")).fill(PASSWORD)
        admin.field(admin.t("Repeat the passphrase")).fill(PASSWORD)
        admin.press_button(admin.t("Continue"), status=200)
        assert admin.path() == "/setup/totp"
        shown = admin.page.locator("code.secret").inner_text().strip()
        assert all(len(group) == 4 for group in shown.split(" ")[:-1])  # in groups of four
        secret = shown.replace(" ", "")
        admin.field(admin.t("One-time code")).fill(pyotp.TOTP(secret).now())
        admin.press_button(admin.t("Confirm"), status=200)
        assert admin.path() == "/setup/recovery"
        admin.field(admin.t("I have stored the recovery key in a safe place")).check()
        admin.press_button(admin.t("Finish"), status=200)
        assert admin.path() == "/moderation/login"
        assert admin.flash() == admin.t(
            "Your organisation is set up. Log in with your user name, passphrase and one-time code."
        )
        enrolled = Account(f"admin-{slug}", PASSWORD, secret, None)
        enrolled.next_code()  # the set-up step's code is spent
        steps.log_in(admin, enrolled)
        # The new organisation's own retention period, set by its admin.
        admin.follow_link(admin.t("Retention period"))
        own_axe.check(admin, "the retention period")
        admin.field(admin.t("Days after closing")).fill("20")
        admin.press_button(admin.t("Save"), status=400)
        own_axe.check(admin, "the retention period, refused")
        assert admin.field(admin.t("Days after closing")).input_value() == "20"
        admin.field(admin.t("Days after closing")).fill("365")
        admin.press_button(admin.t("Save"), status=200)
        assert admin.t("Closed cases are now erased after %(days)d days.", days=365) in admin.page.inner_text(
            "main"
        )
        assert not operator.traffic.outside and not admin.traffic.outside
    finally:
        operator.close()
        admin.close()
