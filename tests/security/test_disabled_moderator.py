"""The attack: a moderator is disabled (they left, or were found out) while logged in. With a copy
of the database and the passphrase they still know, they try to open what the row and the stored
sessions allow, offline: the organisation key (which a plain moderator no longer holds) and the
case keys sealed to their key pair, each of which opens one report; and a request of theirs still
running when the disable lands tries to write its session back (issue 13, item 5; issue 15).

Disabling, from the admin page or the command, must take at once what an offline attacker could
use: every grant (the organisation key, every case key), the key pair they are sealed to, and
every session.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from flask import Flask, request, session
from flask.testing import FlaskClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from portal import installation
from portal.accounts import service as accounts
from portal.cases import access_jobs, vault
from portal.models import AccessJob, CaseKey, Report, ServerSession, User
from portal.security import crypto
from tests.accounts import Account, AccountFactory, AuthActions
from tests.csrf import get_csrf
from tests.reporting_helpers import DESCRIPTION, report_and_get_code
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


@dataclass(frozen=True)
class Opened:
    """What the attacker's copy of the database opens: the organisation key, and report keys by id."""

    org_key: bytes | None = None
    report_keys: dict[int, bytes] = field(default_factory=dict)


NOTHING = Opened()


def _opens(private: bytes, sealed: bytes) -> bytes | None:
    try:
        return crypto.unseal(private, sealed)
    except crypto.DecryptionFailed:
        return None


def _opened_by(app: Flask, private: bytes, grant: bytes | None) -> Opened:
    """Everything in the database that ``private`` opens: the grant given, then every case key in
    the table (all of them, not only those in the user's name) and, with the organisation key,
    every report's ``key_sealed``."""
    with Session(app.extensions["portal.engine"]) as db:
        case_keys = db.execute(select(CaseKey.report_id, CaseKey.sealed)).all()
        reports = db.execute(select(Report.id, Report.key_sealed)).all()
    org_key = _opens(private, grant) if grant is not None else None
    opened: dict[int, bytes] = {}
    for report_id, sealed in case_keys:
        key = _opens(private, sealed)
        if key is not None:
            opened[report_id] = key
    if org_key is not None:
        for report_id, sealed in reports:
            key = _opens(org_key, sealed)
            if key is not None:
                opened[report_id] = key
    return Opened(org_key, opened)


def _offline(app: Flask, username: str, password: str) -> Opened:
    """The attacker's step: the user's row from the database, opened with their passphrase, and
    whatever the private key in it opens."""
    cost = installation.kdf_cost(app.config["PORTAL"])
    with Session(app.extensions["portal.engine"]) as db:
        row = db.scalars(select(User).where(User.username == username)).one()
        public, wrapped, salt, sealed = (
            row.public_key,
            row.private_key_wrapped,
            row.kdf_salt,
            row.org_key_sealed,
        )
    if not (public and wrapped and salt):
        return NOTHING  # no key pair to open
    try:
        private = crypto.unwrap_private_key(crypto.WrappedKeyPair(public, wrapped, salt), password, cost)
    except crypto.DecryptionFailed:
        return NOTHING
    return _opened_by(app, private, sealed)


def _private_key(app: Flask, username: str, password: str) -> bytes:
    cost = installation.kdf_cost(app.config["PORTAL"])
    with Session(app.extensions["portal.engine"]) as db:
        row = db.scalars(select(User).where(User.username == username)).one()
        assert row.public_key and row.private_key_wrapped and row.kdf_salt
        pair = crypto.WrappedKeyPair(row.public_key, row.private_key_wrapped, row.kdf_salt)
    return crypto.unwrap_private_key(pair, password, cost)


def _report_keys(app: Flask, admin: Account) -> dict[int, bytes]:
    """The truth to compare with: every report key, opened by the admin's organisation key."""
    with Session(app.extensions["portal.engine"]) as db:
        org_key = accounts.open_org_key(
            accounts.find(db, admin.username), admin.password, app.config["PORTAL"]
        )
        return {report.id: vault.key_from_org(report, org_key) for report in db.scalars(select(Report))}


def _case_access(app: Flask, user_id: int) -> tuple[bool, int, int]:
    """(case_access, case keys in the user's name, unfinished access jobs for the user)."""
    with Session(app.extensions["portal.engine"]) as db:
        user = db.get_one(User, user_id)
        keys = db.scalar(select(func.count()).select_from(CaseKey).where(CaseKey.user_id == user_id))
        jobs = db.scalar(
            select(func.count())
            .select_from(AccessJob)
            .where(AccessJob.user_id == user_id, AccessJob.finished_at.is_(None))
        )
        return user.case_access, int(keys or 0), int(jobs or 0)


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
    mona_private: bytes  # her private key before the disable: what opened her case keys
    report_keys: dict[int, bytes]
    recovery_key: str


@pytest.fixture
def scene(app: Flask, held: Held, admin: Account, moderator: AccountFactory) -> Scene:
    """An admin and plain moderator mona, granted access to cases (a case key for each of three
    reports: two sealed by her access job, one at submission) and logged in on two devices.

    ``held`` comes first: its hook must be in place before the app answers a request."""
    mona = moderator("mona")
    reporter = _client(app)
    report_and_get_code(reporter)
    report_and_get_code(reporter)
    admin_client = _client(app)
    assert AuthActions(admin_client).login(admin).status_code == 302
    with Session(app.extensions["portal.engine"]) as db:
        mona_id = db.scalars(select(User.id).where(User.username == "mona")).one()
    token = get_csrf(admin_client, "/moderation/users")
    granted = admin_client.post(f"/moderation/users/{mona_id}/access", data={"csrf_token": token})
    assert granted.status_code == 303
    access_jobs.wait()
    report_and_get_code(reporter)
    report_keys = _report_keys(app, admin)
    assert len(report_keys) == 3
    clients = [_client(app), _client(app)]
    for client in clients:
        assert AuthActions(client).login(mona).status_code == 302
        assert client.get("/moderation/").status_code == 200
        for report_id in report_keys:
            page = client.get(f"/moderation/cases/{report_id}")
            assert page.status_code == 200 and DESCRIPTION in page.get_data(as_text=True)
    # The control: before the disable the attack works. Her row holds no organisation key (she is
    # a plain moderator), but her key pair opens a case key for every report.
    assert _offline(app, "mona", mona.password) == Opened(None, report_keys)
    assert _case_access(app, mona_id) == (True, 3, 0)
    assert admin.recovery_key is not None
    return Scene(
        app,
        admin_client,
        mona,
        mona_id,
        clients,
        _private_key(app, "mona", mona.password),
        report_keys,
        admin.recovery_key,
    )


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
def test_disabling_a_logged_in_moderator_leaves_nothing_that_opens_a_report(
    scene: Scene, held: Held, disable: Callable[[Scene], None]
) -> None:
    app = scene.app
    store_ids = [_store_id(client) for client in scene.mona_clients]
    assert all(_stored(app, store_id) for store_id in store_ids)
    in_flight = scene.mona_clients[0]
    _start_held(in_flight, held)

    disable(scene)

    # (a) The database row and the passphrase: nothing left to unwrap or unseal; her case keys
    # are gone, so even her old private key (had she kept it) opens no report in the database.
    assert _offline(app, "mona", scene.mona.password) == NOTHING
    assert _opened_by(app, scene.mona_private, None) == NOTHING
    assert _case_access(app, scene.mona_id) == (False, 0, 0)
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

    # (e) A report sent after the disable is sealed to no key of hers.
    report_and_get_code(_client(app))
    with Session(app.extensions["portal.engine"]) as db:
        assert db.scalar(select(func.count()).select_from(Report)) == 4
    assert _opened_by(app, scene.mona_private, None) == NOTHING
    assert _case_access(app, scene.mona_id) == (False, 0, 0)


def test_a_disabled_moderator_cannot_be_granted_access_again(scene: Scene, held: Held) -> None:
    """The grant buttons (dashboard, users page) and ``keys recover`` refuse a disabled user:
    a new grant (case keys, or the organisation key) would give the offline attack above
    something to open again."""
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
    access_jobs.wait()  # had a refused grant started an access job, it would have sealed by now
    assert _offline(app, "mona", scene.mona.password) == NOTHING
    assert _opened_by(app, scene.mona_private, None) == NOTHING
    assert _case_access(app, scene.mona_id) == (False, 0, 0)


NEW_PASSWORD = "a whole new passphrase after leave"


def test_re_enabling_gives_a_new_key_pair_and_waits_for_an_administrator(scene: Scene, held: Held) -> None:
    """``users enable``: a new passphrase, app and key pair; no access to reports until an
    administrator grants it, as for a new moderator: no case key, and no case page. The old
    passphrase and the old key pair open nothing."""
    app = scene.app
    runner = app.test_cli_runner()
    _disable_with_the_command(scene)
    enabled = runner.invoke(args=["users", "enable", "mona", "--password-stdin"], input=NEW_PASSWORD + "\n")
    assert enabled.exit_code == 0, enabled.output
    secret = re.search(r"^TOTP secret: ([A-Z2-7]{32})$", enabled.output, re.M)
    assert secret, enabled.output
    assert "mona\tmoderator\tactive\tawaiting-grant" in runner.invoke(args=["users", "list"]).output
    assert _offline(app, "mona", scene.mona.password) == NOTHING
    assert _offline(app, "mona", NEW_PASSWORD) == NOTHING
    assert _case_access(app, scene.mona_id) == (False, 0, 0)
    new_private = _private_key(app, "mona", NEW_PASSWORD)
    assert new_private != scene.mona_private

    again = Account("mona", NEW_PASSWORD, secret.group(1), None)
    client = _client(app)
    old = AuthActions(client).login(scene.mona)
    assert old.status_code == 401  # the old passphrase and app no longer log in
    assert AuthActions(client).login(again).status_code == 302
    assert _waiting(scene) == ["mona"]
    # Logged in, she sees no case until an administrator grants access.
    for report_id in scene.report_keys:
        assert client.get(f"/moderation/cases/{report_id}").status_code == 404

    token = get_csrf(scene.admin_client, "/moderation/users")
    granted = scene.admin_client.post(f"/moderation/users/{scene.mona_id}/access", data={"csrf_token": token})
    assert granted.status_code == 303
    access_jobs.wait()
    # New case keys, sealed to the new key pair only; still no organisation key.
    assert _offline(app, "mona", NEW_PASSWORD) == Opened(None, scene.report_keys)
    assert _offline(app, "mona", scene.mona.password) == NOTHING
    assert _opened_by(app, scene.mona_private, None) == NOTHING
    assert _case_access(app, scene.mona_id) == (True, 3, 0)
    for report_id in scene.report_keys:
        page = client.get(f"/moderation/cases/{report_id}")
        assert page.status_code == 200 and DESCRIPTION in page.get_data(as_text=True)
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
