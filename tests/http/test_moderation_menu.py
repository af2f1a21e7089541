"""The moderation menu: the same links in the same order on every page behind the log-in."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.models import Role
from tests import forum_helpers
from tests.accounts import Account, AccountFactory, AuthActions

NAV_RE = re.compile(r'<nav class="moderation-nav"[^>]*>(.*?)</nav>', re.S)
LINK_RE = re.compile(r'<a href="([^"]+)">([^<]+)</a>')

EVERYONE_BEFORE = [
    ("/moderation/", "Overview"),
    ("/moderation/cases", "Cases"),
    ("/moderation/forum", "Forum"),
    ("/moderation/stats", "Statistics"),
]
ADMINS_ONLY = [
    ("/moderation/users", "Users"),
    ("/moderation/audit", "Audit log"),
    ("/moderation/templates", "Quick replies"),
    ("/moderation/texts", "Texts for reporters"),
    ("/moderation/retention", "Retention period"),
]
EVERYONE_AFTER = [("/moderation/account/password", "Change password")]


def _menu(client: FlaskClient, url: str) -> list[tuple[str, str]]:
    page = client.get(url)
    assert page.status_code == 200, url
    nav = NAV_RE.search(page.get_data(as_text=True))
    assert nav, f"no moderation menu on {url}"
    return LINK_RE.findall(nav.group(1))


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.ADMIN])
def test_the_menu_lists_the_pages_in_order_and_admin_pages_to_admins_only(
    client: FlaskClient, role: Role, moderator: AccountFactory, auth: AuthActions
) -> None:
    account = moderator("anna", role)
    client.set_cookie("lang", "en")
    assert auth.login(account).status_code == 302
    expected = EVERYONE_BEFORE + (ADMINS_ONLY if role is Role.ADMIN else []) + EVERYONE_AFTER
    for url in ("/moderation/", "/moderation/cases", "/moderation/stats", "/moderation/account/password"):
        assert _menu(client, url) == expected


def test_the_log_in_page_has_no_menu(client: FlaskClient) -> None:
    assert not NAV_RE.search(client.get("/moderation/login").get_data(as_text=True))


@pytest.mark.usefixtures("forum_boards")
def test_the_dashboard_counts_forum_posts_waiting_for_review(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    forum_helpers.new_thread(app.test_client(), "En tråd", "Något hände på jobbet idag.", action="send")
    client.set_cookie("lang", "en")
    assert auth.login(admin).status_code == 302
    page = client.get("/moderation/").get_data(as_text=True)
    assert re.search(
        r'<a href="/moderation/forum"><span class="count">1</span> forum posts to review</a>', page
    )
