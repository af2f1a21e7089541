"""An admin makes a new recovery key (issue 17, item 14): the wizard shows the key once, so the
one who did not store it needs a way to get another, and the old one must stop working."""

from __future__ import annotations

import html
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts import service as accounts
from portal.models import AuditEvent, Role
from tests.accounts import Account, AccountFactory, AuthActions
from tests.csrf import get_csrf

KEY_RE = re.compile(r'data-recovery-key="([A-Z2-7-]+)"')


def _log_in(client: FlaskClient, account: Account) -> FlaskClient:
    client.set_cookie("lang", "en")
    assert AuthActions(client).login(account).status_code == 302
    return client


def _recover(app: Flask, username: str, recovery_key: str) -> int:
    """``keys recover``: re-grant the organisation key to ``username`` with a recovery key."""
    return (
        app.test_cli_runner().invoke(args=["keys", "recover", username], input=recovery_key + "\n").exit_code
    )


def test_a_new_recovery_key_replaces_the_old_one(
    app: Flask, client: FlaskClient, admin: Account, moderator: AccountFactory
) -> None:
    assert admin.recovery_key
    _log_in(client, admin)
    page = client.get("/moderation/recovery-key").get_data(as_text=True)
    assert "the old key no longer opens the database" in page
    made = client.post(
        "/moderation/recovery-key", data={"csrf_token": get_csrf(client, "/moderation/recovery-key")}
    )
    assert made.status_code == 303 and made.location == "/moderation/recovery-key/new"
    shown = client.get(made.location).get_data(as_text=True)
    new_key = KEY_RE.search(shown)
    assert new_key and len(new_key.group(1).replace("-", "")) == 52 and new_key.group(1) != admin.recovery_key
    # Shown once.
    again = client.get("/moderation/recovery-key/new", follow_redirects=True).get_data(as_text=True)
    assert new_key.group(1) not in again and "shown only once" in html.unescape(again)
    # The old key opens nothing any more; the new one opens the organisation key.
    moderator("mo")
    assert _recover(app, "mo", admin.recovery_key) == 1
    assert _recover(app, "mo", new_key.group(1)) == 0
    with Session(app.extensions["portal.engine"]) as db:
        events = db.execute(
            select(AuditEvent.event, AuditEvent.actor_id).where(AuditEvent.event.like("admin:%"))
        ).all()
        assert events == [("admin:recoverykey:replaced", accounts.find(db, "admin").id)]


def test_only_an_admin_holding_the_organisation_key_can_make_one(
    app: Flask, admin: Account, moderator: AccountFactory
) -> None:
    ulla = _log_in(app.test_client(), moderator("ulla", Role.ADMIN))  # an admin not granted yet
    page = html.unescape(ulla.get("/moderation/recovery-key").get_data(as_text=True))
    assert "You cannot make one: your own account has not been given the organisation key." in page
    token = get_csrf(ulla, "/moderation/recovery-key")
    assert ulla.post("/moderation/recovery-key", data={"csrf_token": token}).status_code == 400
    mo = _log_in(app.test_client(), moderator("mo"))
    assert mo.get("/moderation/recovery-key").status_code == 403
    assert (
        mo.post("/moderation/recovery-key", data={"csrf_token": get_csrf(mo, "/moderation/")}).status_code
        == 403
    )
    with Session(app.extensions["portal.engine"]) as db:
        assert (
            db.scalars(select(AuditEvent.event).where(AuditEvent.event.like("admin:recoverykey%"))).all()
            == []
        )
    assert admin.recovery_key and _recover(app, "ulla", admin.recovery_key) == 0  # the old key still works
