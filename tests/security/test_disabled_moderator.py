"""The attack: a moderator is disabled (they left, or were found out) while logged in. With a copy
of the database and the passphrase they still know, they try to open the organisation key
offline, as the row and the stored sessions allow; and a request of theirs still running when the
disable lands tries to write its session back (issue 13, item 5).

Disabling, from the admin page or the command, must take at once what an offline attacker could
use: the grant of the organisation key, the key pair it is sealed to, and every session.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from flask import Flask, request, session
from flask.testing import FlaskClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from portal import installation
from portal.models import ServerSession, User
from portal.security import crypto
from tests.accounts import Account, AccountFactory, AuthActions
from tests.csrf import get_csrf
from tests.settings import CLIENT_ADDRESS

HOLD = "X-Test-Hold"  # the header that marks the request held in flight


def _client(app: Flask) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = CLIENT_ADDRESS
    return client


def _store_id(client: FlaskClient) -> str:
    """Where the server keeps this client's session: the SHA-256 of the cookie's id part."""
    cookie = client.get_cookie("portal_session")
    assert cookie is not None
    token = cookie.value.partition(".")[0]
    return hashlib.sha256(token.encode()).hexdigest()


def _stored(app: Flask, store_id: str) -> bool:
    """Is there a session under ``store_id``, in the database table or in Redis?"""
    redis = app.extensions["portal.redis"]
    if redis is not None:
        return bool(redis.exists(f"{app.config['PORTAL'].redis_prefix}:session:{store_id}"))
    with app.extensions["portal.engine"].connect() as conn:
        table = ServerSession.__table__
        count = conn.scalar(select(func.count()).select_from(table).where(text("id = :id")), {"id": store_id})
        return bool(count)


def _redis_keys_naming(app: Flask, user_id: int) -> list[bytes]:
    redis = app.extensions["portal.redis"]
    if redis is None:
        return []
    return list(redis.scan_iter(match=f"{app.config['PORTAL'].redis_prefix}:session-owner:{user_id}"))


def _offline_org_key(app: Flask, username: str, password: str) -> bytes | None:
    """The attacker's step: the user's row from the database, opened with their passphrase.

    Returns the organisation private key if anything in the row opens it, else None."""
    cost = installation.kdf_cost(app.config["PORTAL"])
    with Session(app.extensions["portal.engine"]) as db:
        row = db.scalars(select(User).where(User.username == username)).one()
        public, wrapped, salt, sealed = (
            row.public_key,
            row.private_key_wrapped,
            row.kdf_salt,
            row.org_key_sealed,
        )
    if not (public and wrapped and salt and sealed):
        return None  # nothing to open
    try:
        private = crypto.unwrap_private_key(crypto.WrappedKeyPair(public, wrapped, salt), password, cost)
        return crypto.unseal(private, sealed)
    except crypto.DecryptionFailed:
        return None


@dataclass
class Held:
    """A request of the moderator that has passed its view and waits before its session is saved."""

    entered: threading.Event
    release: threading.Event
    statuses: list[int]
    thread: threading.Thread | None = None


@pytest.fixture
def held(app: Flask) -> Iterator[Held]:
    hold = Held(threading.Event(), threading.Event(), [])

    @app.after_request
    def wait_before_save(response):  # type: ignore[no-untyped-def]
        # Runs after the view and before Flask saves the session: the moment an in-flight request
        # of the moderator is in when the disable lands. It writes the session, as a view that
        # flashes a message or keeps a form's state does.
        if request.headers.get(HOLD):
            session.modified = True
            hold.entered.set()
            assert hold.release.wait(timeout=60)
        return response

    yield hold
    hold.release.set()
    if hold.thread is not None:
        hold.thread.join(timeout=60)


def _start_held(client: FlaskClient, hold: Held) -> None:
    def run() -> None:
        hold.statuses.append(client.get("/moderation/", headers={HOLD: "1"}).status_code)

    hold.thread = threading.Thread(target=run)
    hold.thread.start()
    assert hold.entered.wait(timeout=60)


@dataclass
class Scene:
    app: Flask
    admin_client: FlaskClient
    mona: Account
    mona_id: int
    mona_clients: list[FlaskClient]
    org_private_key: bytes
    recovery_key: str


@pytest.fixture
def scene(app: Flask, held: Held, admin: Account, moderator: AccountFactory) -> Scene:
    """An admin and moderator mona, granted the organisation key and logged in on two devices.

    ``held`` comes first: its hook must be in place before the app answers a request."""
    mona = moderator("mona")
    admin_client = _client(app)
    assert AuthActions(admin_client).login(admin).status_code == 302
    with Session(app.extensions["portal.engine"]) as db:
        mona_id = db.scalars(select(User.id).where(User.username == "mona")).one()
    token = get_csrf(admin_client, "/moderation/users")
    granted = admin_client.post(f"/moderation/users/{mona_id}/access", data={"csrf_token": token})
    assert granted.status_code == 303
    clients = [_client(app), _client(app)]
    for client in clients:
        assert AuthActions(client).login(mona).status_code == 302
        assert client.get("/moderation/").status_code == 200
    org_private_key = _offline_org_key(app, "mona", mona.password)
    assert org_private_key is not None  # the control: before the disable the attack works
    assert admin.recovery_key is not None
    return Scene(app, admin_client, mona, mona_id, clients, org_private_key, admin.recovery_key)


def _disable_on_the_admin_page(scene: Scene) -> None:
    token = get_csrf(scene.admin_client, "/moderation/users")
    response = scene.admin_client.post(
        f"/moderation/users/{scene.mona_id}/disable", data={"csrf_token": token}
    )
    assert response.status_code == 303


def _disable_with_the_command(scene: Scene) -> None:
    result = scene.app.test_cli_runner().invoke(args=["users", "disable", "mona"])
    assert result.exit_code == 0, result.output
    assert "mona disabled" in result.output


@pytest.mark.parametrize("disable", [_disable_on_the_admin_page, _disable_with_the_command])
def test_disabling_a_logged_in_moderator_leaves_nothing_that_opens_the_organisation_key(
    scene: Scene, held: Held, disable: Callable[[Scene], None]
) -> None:
    app = scene.app
    store_ids = [_store_id(client) for client in scene.mona_clients]
    assert all(_stored(app, store_id) for store_id in store_ids)
    in_flight = scene.mona_clients[0]
    _start_held(in_flight, held)

    disable(scene)

    # (a) The database row and the passphrase: nothing left to unwrap or unseal.
    assert _offline_org_key(app, "mona", scene.mona.password) is None
    with Session(app.extensions["portal.engine"]) as db:
        row = db.scalars(select(User).where(User.username == "mona")).one()
        assert (row.public_key, row.private_key_wrapped, row.kdf_salt, row.org_key_sealed) == (
            None,
            None,
            None,
            None,
        )
        assert row.active is False
    # (b) At once, before any request of hers: no session of hers is stored, on either device.
    assert [_stored(app, store_id) for store_id in store_ids] == [False, False]
    assert _redis_keys_naming(app, scene.mona_id) == []

    # (c) The request that was in flight finishes and saves its session: it must not come back.
    held.release.set()
    assert held.thread is not None
    held.thread.join(timeout=60)
    assert held.statuses == [200]
    assert [_stored(app, store_id) for store_id in store_ids] == [False, False]

    # (d) Her next request, on either device, lands on the log-in page.
    for client in scene.mona_clients:
        response = client.get("/moderation/")
        assert response.status_code == 302
        assert response.location.endswith("/moderation/login")
    # The admin's own session is untouched.
    assert scene.admin_client.get("/moderation/users").status_code == 200


def test_a_disabled_moderator_cannot_be_granted_the_organisation_key_again(scene: Scene, held: Held) -> None:
    """The grant buttons (dashboard, users page) and ``keys recover`` refuse a disabled user:
    a new grant would give the offline attack above something to open again."""
    app = scene.app
    _disable_on_the_admin_page(scene)
    for path in (f"/moderation/users/{scene.mona_id}/grant", f"/moderation/users/{scene.mona_id}/access"):
        token = get_csrf(scene.admin_client, "/moderation/users")
        response = scene.admin_client.post(path, data={"csrf_token": token}, follow_redirects=True)
        assert response.status_code in (200, 400), path
        assert "Kontot mona är inaktiverat och kan inte få behörighet." in response.get_data(as_text=True), (
            path
        )
    admin_recovery = app.test_cli_runner().invoke(args=["keys", "recover", "mona"], input=scene.recovery_key)
    assert admin_recovery.exit_code == 1
    assert "mona is disabled" in admin_recovery.output
    assert _offline_org_key(app, "mona", scene.mona.password) is None


NEW_PASSWORD = "a whole new passphrase after leave"


def test_re_enabling_gives_a_new_key_pair_and_waits_for_an_administrator(scene: Scene, held: Held) -> None:
    """``users enable``: a new passphrase, app and key pair; no access to reports until an
    administrator grants it, as for a new moderator. The old passphrase opens nothing."""
    app = scene.app
    runner = app.test_cli_runner()
    _disable_with_the_command(scene)
    enabled = runner.invoke(args=["users", "enable", "mona", "--password-stdin"], input=NEW_PASSWORD + "\n")
    assert enabled.exit_code == 0, enabled.output
    secret = re.search(r"^TOTP secret: ([A-Z2-7]{32})$", enabled.output, re.M)
    assert secret, enabled.output
    assert "mona\tmoderator\tactive\tawaiting-grant" in runner.invoke(args=["users", "list"]).output
    assert _offline_org_key(app, "mona", scene.mona.password) is None
    assert _offline_org_key(app, "mona", NEW_PASSWORD) is None

    again = Account("mona", NEW_PASSWORD, secret.group(1), None)
    client = _client(app)
    old = AuthActions(client).login(scene.mona)
    assert old.status_code == 401  # the old passphrase and app no longer log in
    assert AuthActions(client).login(again).status_code == 302
    assert _waiting(scene) == ["mona"]

    token = get_csrf(scene.admin_client, "/moderation/users")
    granted = scene.admin_client.post(f"/moderation/users/{scene.mona_id}/access", data={"csrf_token": token})
    assert granted.status_code == 303
    assert _offline_org_key(app, "mona", NEW_PASSWORD) == scene.org_private_key
    assert (
        runner.invoke(
            args=["users", "enable", "mona", "--password-stdin"], input=NEW_PASSWORD + "\n"
        ).exit_code
        == 1
    )


def _waiting(scene: Scene) -> list[str]:
    page = scene.admin_client.get("/moderation/users").get_data(as_text=True)
    section = page.split('id="waiting-heading"', 1)[1].split("</section>", 1)[0]
    return re.findall(r"<span>([^<]+)</span>", section)
