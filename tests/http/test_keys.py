"""Keys through the moderator's eyes: password change keeps access, reset needs a re-grant."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal.accounts import grants
from portal.accounts import service as accounts
from portal.cases import access, access_jobs, vault
from portal.installation import kdf_cost
from portal.models import Organisation, Report, Role
from portal.security import crypto
from tests.accounts import Account, AccountFactory, AuthActions, keyring_of
from tests.csrf import get_csrf
from tests.reporting_helpers import only_report_id, report_and_get_code

NEW_PASSWORD = "blue violin quietly forgets mountains"
SECRET_TEXT = "Handläggaren fick ett kuvert med pengar av sökanden."


def _org_public(app: Flask) -> bytes:
    with Session(app.extensions["portal.engine"]) as db:
        row = db.get(Organisation, 1)
        assert row and row.public_key
        return row.public_key


def _can_read(app: Flask, username: str, password: str) -> bool:
    """Can this user open a message sealed to the organisation key?"""
    sealed = crypto.seal(_org_public(app), b"canary")
    with Session(app.extensions["portal.engine"]) as db:
        user = accounts.find(db, username)
        if not user.has_org_key:
            return False
        private = accounts.open_org_key(user, password, app.config["PORTAL"])
    return crypto.unseal(private, sealed) == b"canary"


def _reads_case(app: Flask, username: str, password: str, report_id: int) -> bool:
    """Does the user's own key material open the case (a plain moderator's case key)?"""
    with Session(app.extensions["portal.engine"]) as db:
        user = accounts.find(db, username)
        report = db.get_one(Report, report_id)
        try:
            key = access.report_key(db, report, keyring_of(user, password, app.config["PORTAL"]))
        except access.NoCaseKey:
            return False
        return vault.decrypt(key, report.description) == SECRET_TEXT


def test_password_change_keeps_the_org_key_readable(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    auth.login(admin)
    token = get_csrf(client, "/moderation/account/password")
    response = client.post(
        "/moderation/account/password",
        data={"current": admin.password, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert _can_read(app, "admin", NEW_PASSWORD)
    admin.password = NEW_PASSWORD
    auth.logout()
    assert auth.login(admin).status_code == 302


def test_password_change_refuses_wrong_current_and_weak_new(
    client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    auth.login(admin)
    token = get_csrf(client, "/moderation/account/password")
    wrong = client.post(
        "/moderation/account/password",
        data={"current": "not it at all", "new": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": token},
    )
    assert wrong.status_code == 400
    weak = client.post(
        "/moderation/account/password",
        data={
            "current": admin.password,
            "new": "aaaaaaaaaaaa",
            "confirm": "aaaaaaaaaaaa",
            "csrf_token": token,
        },
    )
    assert weak.status_code == 400


def test_reset_then_regrant_by_logged_in_admin(
    app: Flask, client: FlaskClient, admin: Account, moderator: AccountFactory, auth: AuthActions
) -> None:
    report_and_get_code(app.test_client(), description=SECRET_TEXT)
    report_id = only_report_id(app)
    moderator("mo")
    with Session(app.extensions["portal.engine"]) as db:
        assert not accounts.find(db, "mo").case_access  # later users wait for a grant
        accounts.reset(db, accounts.find(db, "mo"), NEW_PASSWORD, app.config["PORTAL"])
        db.commit()
    assert not _reads_case(app, "mo", NEW_PASSWORD, report_id)
    auth.login(admin)
    dashboard = client.get("/moderation/").get_data(as_text=True)
    assert "mo" in dashboard
    with Session(app.extensions["portal.engine"]) as db:
        user_id = accounts.find(db, "mo").id
    response = client.post(
        f"/moderation/users/{user_id}/grant", data={"csrf_token": get_csrf(client, "/moderation/")}
    )
    assert response.status_code == 302
    access_jobs.wait()  # the access job of the grant seals mo's case keys after the commit
    # A plain moderator reads through case keys sealed to the new key pair, never the org key.
    assert _reads_case(app, "mo", NEW_PASSWORD, report_id)
    assert not _can_read(app, "mo", NEW_PASSWORD)


def test_moderator_cannot_grant(
    client: FlaskClient, admin: Account, moderator: AccountFactory, auth: AuthActions
) -> None:
    mo = moderator("mo")
    auth.login(mo)
    response = client.post("/moderation/users/1/grant", data={"csrf_token": get_csrf(client, "/moderation/")})
    assert response.status_code == 403


def test_recovery_key_regrants_without_any_admin(app: Flask, admin: Account) -> None:
    assert admin.recovery_key
    with Session(app.extensions["portal.engine"]) as db:
        accounts.reset(db, accounts.find(db, "admin"), NEW_PASSWORD, app.config["PORTAL"])
        db.commit()
    assert not _can_read(app, "admin", NEW_PASSWORD)
    with Session(app.extensions["portal.engine"]) as db:
        grants.recover(db, accounts.find(db, "admin"), admin.recovery_key.lower())
        db.commit()
    assert _can_read(app, "admin", NEW_PASSWORD)


def test_wrong_recovery_key_is_refused(app: Flask, admin: Account) -> None:
    import pytest

    wrong = crypto.format_recovery_key(crypto.new_key())
    with Session(app.extensions["portal.engine"]) as db, pytest.raises(crypto.DecryptionFailed):
        grants.recover(db, accounts.find(db, "admin"), wrong)


def test_user_key_is_wrapped_by_the_password_not_stored_plain(app: Flask, admin: Account) -> None:
    with Session(app.extensions["portal.engine"]) as db:
        user = accounts.find(db, "admin")
        assert user.public_key and user.private_key_wrapped and user.kdf_salt
        wrapped = crypto.WrappedKeyPair(user.public_key, user.private_key_wrapped, user.kdf_salt)
        cost = kdf_cost(app.config["PORTAL"])
        import pytest

        with pytest.raises(crypto.DecryptionFailed):
            crypto.unwrap_private_key(wrapped, "wrong password", cost)
        assert crypto.unwrap_private_key(wrapped, admin.password, cost) != user.private_key_wrapped
        assert user.role is Role.ADMIN
