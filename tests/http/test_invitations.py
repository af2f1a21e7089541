"""An admin invites a colleague, who makes their own account through a one-time link (issue 17,
item 14): the admin chooses the user name and role and never learns the passphrase."""

from __future__ import annotations

import datetime as dt
import html
import re

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from portal.accounts import service as accounts
from portal.cases import access, access_jobs, vault
from portal.db import utcnow
from portal.models import AuditEvent, CaseKey, EnrolmentLink, Report, Role, User
from tests.accounts import Account, AccountFactory, AuthActions, keyring_of
from tests.csrf import csrf_from, get_csrf
from tests.operator_helpers import passphrase_and_app
from tests.reporting_helpers import only_report_id, report_and_get_code

PASSPHRASE = "purple kettles hum beside quiet harbours"
SECRET_TEXT = "Chefen sa att bygglovet skulle gå igenom om jag teg om mötet."
LINK_RE = re.compile(r'value="(http://[^"]+/enrol/([A-Za-z0-9_-]{43}))"')


def _db(app: Flask) -> Session:
    return Session(app.extensions["portal.engine"])


def _log_in(client: FlaskClient, account: Account) -> FlaskClient:
    client.set_cookie("lang", "en")
    assert AuthActions(client).login(account).status_code == 302
    return client


def _invite(client: FlaskClient, **fields: str) -> TestResponse:
    data = {"username": "maria", "role": "moderator", **fields}
    return client.post(
        "/moderation/users/new", data={**data, "csrf_token": get_csrf(client, "/moderation/users/new")}
    )


def _token(client: FlaskClient, **fields: str) -> str:
    issued = _invite(client, **fields)
    assert issued.status_code == 303 and issued.location == "/moderation/users/invitation"
    page = client.get(issued.location).get_data(as_text=True)
    match = LINK_RE.search(page)
    assert match, page[:2000]
    return match.group(2)


def _follow(app: Flask, token: str, posted_username: str = "") -> tuple[FlaskClient, str]:
    """The invited colleague's two steps: passphrase, then the authenticator app; returns their
    client and the app's key. ``posted_username`` is what a tampered form would send."""
    client = app.test_client()
    client.set_cookie("lang", "en")
    fields = {"username": posted_username, "password": PASSPHRASE, "confirm": PASSPHRASE}
    secret, done = passphrase_and_app(client, token, fields)
    assert done.status_code == 302 and done.location == "/moderation/login", done.get_data(as_text=True)[
        :2000
    ]
    return client, secret


def _users(app: Flask) -> list[tuple[str, Role, str | None]]:
    with _db(app) as db:
        return [(u.username, u.role, u.notify_email) for u in db.scalars(select(User).order_by(User.id))]


def test_an_invited_moderator_makes_their_own_account_and_reads_once_granted(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    report_and_get_code(app.test_client(), description=SECRET_TEXT)
    report_id = only_report_id(app)
    _log_in(client, admin)
    token = _token(client, notify_email="maria@example.se")
    # Shown once: a reload says so, without the link.
    again = client.get("/moderation/users/invitation", follow_redirects=True).get_data(as_text=True)
    assert token not in again and "shown only once" in again
    users_page = html.unescape(client.get("/moderation/users").get_data(as_text=True))
    assert "maria (moderator): the link works until" in users_page
    # Nothing is made yet, and only the token's SHA-256 is in the database.
    assert [name for name, _role, _email in _users(app)] == ["admin"]
    with _db(app) as db:
        stored = db.scalars(select(EnrolmentLink.token_sha256)).all()
    assert token not in stored and len(stored) == 1

    welcome = app.test_client()
    welcome.set_cookie("lang", "en")
    first = welcome.get(f"/enrol/{token}").get_data(as_text=True)
    assert "An administrator has invited you as a moderator." in first
    assert "<h1>Make your account at " in first
    assert "<strong>maria</strong>" in first and 'name="username"' not in first

    maria_client, secret = _follow(app, token)
    assert "Your account is ready" in maria_client.get("/moderation/login").get_data(as_text=True)
    assert _users(app) == [("admin", Role.ADMIN, None), ("maria", Role.MODERATOR, "maria@example.se")]
    with _db(app) as db:
        maria = accounts.find(db, "maria")
        assert (maria.has_org_key, maria.case_access) == (False, False)
        created = db.scalars(select(AuditEvent).where(AuditEvent.event == "user:account:created")).all()
        # She made her account herself: the admin's only event is the invitation.
        assert [event.actor_id for event in created][-1] == maria.id
        issued = db.scalars(
            select(AuditEvent.actor_id).where(AuditEvent.event == "user:invitation:issued")
        ).all()
        assert issued == [accounts.find(db, "admin").id]
        maria_id = maria.id
    # The link is spent.
    assert app.test_client().get(f"/enrol/{token}").status_code == 403

    account = Account("maria", PASSPHRASE, secret, None)
    account.next_code()  # the set-up step's code is spent
    _log_in(maria_client, account)
    assert "cannot read reports yet" in maria_client.get("/moderation/").get_data(as_text=True)
    grant = client.post(
        f"/moderation/users/{maria_id}/access", data={"csrf_token": get_csrf(client, "/moderation/users")}
    )
    assert grant.status_code == 303
    access_jobs.wait()
    with _db(app) as db:
        case = db.get_one(Report, report_id)
        key = access.report_key(
            db, case, keyring_of(accounts.find(db, "maria"), PASSPHRASE, app.config["PORTAL"])
        )
        assert vault.decrypt(key, case.description) == SECRET_TEXT
    assert SECRET_TEXT in maria_client.get(f"/moderation/cases/{report_id}").get_data(as_text=True)


def test_an_invited_administrator_is_an_administrator_without_the_organisation_key(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    _log_in(client, admin)
    token = _token(client, username="ulla", role="admin")
    first = app.test_client()
    first.set_cookie("lang", "en")
    assert "invited you as an administrator" in first.get(f"/enrol/{token}").get_data(as_text=True)
    _follow(app, token)
    with _db(app) as db:
        ulla = accounts.find(db, "ulla")
        assert (ulla.role, ulla.has_org_key) == (Role.ADMIN, False)  # an admin grants it as for anyone


def test_a_tampered_form_cannot_choose_another_name(app: Flask, client: FlaskClient, admin: Account) -> None:
    _log_in(client, admin)
    token = _token(client)
    _follow(app, token, posted_username="admin2")
    assert [name for name, _role, _email in _users(app)] == ["admin", "maria"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"username": "admin"}, "already an account, or an invitation"),
        ({"username": "two words"}, "letters a–z, digits"),
        ({"username": "maria@kommun.se"}, "letters a–z, digits"),
        ({"username": "mb"}, "between 3 and 64"),
        ({"role": "root"}, "Role:"),
        ({"notify_email": "maria@localhost"}, "e-mail address such as"),
    ],
)
def test_a_bad_invitation_is_refused_with_what_was_typed(
    app: Flask, client: FlaskClient, admin: Account, change: dict[str, str], message: str
) -> None:
    _log_in(client, admin)
    answer = _invite(client, **{"notify_email": "maria@example.se", **change})
    page = html.unescape(answer.get_data(as_text=True))
    summary = re.search(r'<div class="error-summary" role="alert".*?</div>', page, re.S)
    assert answer.status_code == 400 and summary and message in summary.group(0)
    assert f'value="{change.get("username", "maria")}"' in page
    with _db(app) as db:
        assert db.scalar(select(func.count()).select_from(EnrolmentLink)) == 0


def test_a_name_awaiting_an_invitation_cannot_be_invited_twice(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    _log_in(client, admin)
    _token(client)
    second = _invite(client)
    assert second.status_code == 400
    assert "already an account, or an invitation" in html.unescape(second.get_data(as_text=True))


def test_a_withdrawn_invitation_no_longer_works(app: Flask, client: FlaskClient, admin: Account) -> None:
    _log_in(client, admin)
    token = _token(client)
    with _db(app) as db:
        link_id = db.scalars(select(EnrolmentLink.id)).one()
    withdrawn = client.post(
        f"/moderation/users/invitations/{link_id}/withdraw",
        data={"csrf_token": get_csrf(client, "/moderation/users")},
        follow_redirects=True,
    )
    assert "The invitation of maria is withdrawn" in withdrawn.get_data(as_text=True)
    assert "the link works until" not in withdrawn.get_data(as_text=True)
    assert app.test_client().get(f"/enrol/{token}").status_code == 403
    with _db(app) as db:
        events = db.scalars(
            select(AuditEvent.event).where(AuditEvent.subject == f"invitation:{link_id}")
        ).all()
    assert events == ["user:invitation:issued", "user:invitation:withdrawn"]
    twice = client.post(
        f"/moderation/users/invitations/{link_id}/withdraw",
        data={"csrf_token": get_csrf(client, "/moderation/users")},
        follow_redirects=True,
    )
    assert "That invitation no longer works" in twice.get_data(as_text=True)
    # The name is free again.
    assert _invite(client).status_code == 303


def test_an_invitation_stops_after_72_hours(app: Flask, client: FlaskClient, admin: Account) -> None:
    _log_in(client, admin)
    token = _token(client)
    with _db(app) as db:
        expires_at = db.scalars(select(EnrolmentLink.expires_at)).one()
        assert dt.timedelta(hours=71, minutes=59) < expires_at - utcnow() <= dt.timedelta(hours=72)
        db.execute(update(EnrolmentLink).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
        db.commit()
    assert app.test_client().get(f"/enrol/{token}").status_code == 403


def test_a_name_taken_meanwhile_closes_the_invitation(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    _log_in(client, admin)
    token = _token(client)
    with _db(app) as db:
        accounts.create_user(db, "maria", Role.MODERATOR, PASSPHRASE, app.config["PORTAL"])
        db.commit()
    assert app.test_client().get(f"/enrol/{token}").status_code == 403


def test_a_reset_account_gets_a_new_passphrase_only_its_owner_knows(
    app: Flask, client: FlaskClient, admin: Account, moderator: AccountFactory
) -> None:
    report_and_get_code(app.test_client(), description=SECRET_TEXT)
    report_id = only_report_id(app)
    mo = moderator("mo")
    with _db(app) as db:
        mo_id = accounts.find(db, "mo").id
    mo_client = _log_in(app.test_client(), mo)
    _log_in(client, admin)
    token = get_csrf(client, "/moderation/users")
    assert client.post(f"/moderation/users/{mo_id}/access", data={"csrf_token": token}).status_code == 303
    access_jobs.wait()

    reset = client.post(f"/moderation/users/{mo_id}/reset", data={"csrf_token": token})
    assert reset.status_code == 303 and reset.location == "/moderation/users/invitation"
    shown = html.unescape(client.get(reset.location).get_data(as_text=True))
    assert "The account of mo has been reset" in shown
    link = LINK_RE.search(shown)
    assert link
    # At once: the session ends, the old passphrase and app open nothing, the access is gone.
    assert mo_client.get("/moderation/").location == "/moderation/login"
    assert AuthActions(app.test_client()).login(mo).status_code == 401
    with _db(app) as db:
        user = accounts.find(db, "mo")
        assert (user.public_key, user.case_access) == (None, False)
        assert db.scalar(select(func.count()).select_from(CaseKey).where(CaseKey.user_id == mo_id)) == 0
    users_page = html.unescape(client.get("/moderation/users").get_data(as_text=True))
    assert "reset: waiting for a new passphrase" in users_page
    assert "mo (reset): the link works until" in users_page
    assert f'action="/moderation/users/{mo_id}/access"' not in users_page  # nothing to grant yet

    welcome = app.test_client()
    welcome.set_cookie("lang", "en")
    first = welcome.get(f"/enrol/{link.group(2)}").get_data(as_text=True)
    assert "<h1>Choose a new passphrase, mo</h1>" in first and "has reset your account" in first
    mo_again, secret = _follow(app, link.group(2))
    assert app.test_client().get(f"/enrol/{link.group(2)}").status_code == 403  # spent
    account = Account("mo", PASSPHRASE, secret, None)
    account.next_code()
    _log_in(mo_again, account)
    assert mo_again.get(f"/moderation/cases/{report_id}").status_code == 404  # until granted again
    with _db(app) as db:
        rows = db.execute(
            select(AuditEvent.event, AuditEvent.actor_id).where(AuditEvent.subject == f"user:{mo_id}")
        ).all()
        admin_id = accounts.find(db, "admin").id
    assert ("user:account:reset", admin_id) in rows and ("user:account:reenrolled", mo_id) in rows
    grant = client.post(f"/moderation/users/{mo_id}/access", data={"csrf_token": token})
    assert grant.status_code == 303
    access_jobs.wait()
    assert SECRET_TEXT in mo_again.get(f"/moderation/cases/{report_id}").get_data(as_text=True)


def test_a_reset_link_stops_when_the_account_is_disabled(
    app: Flask, client: FlaskClient, admin: Account, moderator: AccountFactory
) -> None:
    moderator("mo")
    with _db(app) as db:
        mo_id = accounts.find(db, "mo").id
    _log_in(client, admin)
    token = get_csrf(client, "/moderation/users")
    reset = client.post(f"/moderation/users/{mo_id}/reset", data={"csrf_token": token})
    link = LINK_RE.search(client.get(reset.location).get_data(as_text=True))
    assert link
    assert client.post(f"/moderation/users/{mo_id}/disable", data={"csrf_token": token}).status_code == 303
    assert app.test_client().get(f"/enrol/{link.group(2)}").status_code == 403


def test_a_disabled_account_gets_no_reset_link(
    app: Flask, client: FlaskClient, admin: Account, moderator: AccountFactory
) -> None:
    moderator("mo")
    with _db(app) as db:
        mo_id = accounts.find(db, "mo").id
    _log_in(client, admin)
    token = get_csrf(client, "/moderation/users")
    assert client.post(f"/moderation/users/{mo_id}/disable", data={"csrf_token": token}).status_code == 303
    refused = client.post(f"/moderation/users/{mo_id}/reset", data={"csrf_token": token})
    assert refused.status_code == 400
    assert "mo is disabled" in html.unescape(refused.get_data(as_text=True))
    with _db(app) as db:
        assert db.scalar(select(func.count()).select_from(EnrolmentLink)) == 0


def test_step_one_of_one_link_does_not_carry_into_another(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    """The attack: choose a passphrase through maria's link, then open ulla's link in the same
    browser and confirm the app: neither account may come out of the mix."""
    _log_in(client, admin)
    maria, ulla = _token(client), _token(client, username="ulla")
    browser = app.test_client()
    page = browser.get(f"/enrol/{maria}")
    data = {
        "password": PASSPHRASE,
        "confirm": PASSPHRASE,
        "csrf_token": csrf_from(page.get_data(as_text=True)),
    }
    assert browser.post(f"/enrol/{maria}", data=data).location == "/setup/totp"
    totp_page = browser.get("/setup/totp").get_data(as_text=True)
    secret = re.search(r'data-secret="([A-Z2-7]+)"', totp_page)
    assert secret
    assert browser.get(f"/enrol/{ulla}").status_code == 200
    confirm = {"totp": pyotp.TOTP(secret.group(1)).now(), "csrf_token": csrf_from(totp_page)}
    assert browser.post("/setup/totp", data=confirm).status_code == 403
    assert [name for name, _role, _email in _users(app)] == ["admin"]
