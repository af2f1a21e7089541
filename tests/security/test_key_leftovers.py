"""What replacing or removing key material leaves in the database's bytes (issue 13, items 5 and 6).

The attack: a copy of the database files taken after ``keys rotate``, or after a moderator was
disabled. The rows hold only the new wraps, or none, but the old ones may remain in the bytes:
the SQLite ``-wal`` keeps every page as it was written, PostgreSQL keeps the old row versions as
dead tuples until VACUUM. With them,

- after a rotation: the old recovery wrap opens the old organisation key with the old recovery
  key; a moderator's old grant opens it with their unchanged passphrase (their key pair is not
  rotated); the old ``key_sealed`` of every report then opens its report key;
- after a disable: the moderator's removed key pair and grant open the organisation key with the
  passphrase they still know; their removed session rows open with the cookie their browser
  still has (SQLite keeps sessions in the table).

Each test captures those byte strings, checks that the search sees them before, does what an
administrator does (the CLI command, the users page), then searches the SQLite database, ``-wal``
and ``-shm``, or every live and dead tuple of the tables concerned on PostgreSQL (``pageinspect``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import installation
from portal.accounts import grants
from portal.accounts import service as accounts
from portal.config import Config
from portal.models import Organisation, Report, ServerSession, User
from portal.security import crypto
from tests import stored_bytes
from tests.accounts import Account, AccountFactory, AuthActions
from tests.csrf import get_csrf
from tests.reporting_helpers import report_and_get_code
from tests.settings import CLIENT_ADDRESS

# What a rotation rewrites (installation, reports, users) and deletes (server_sessions).
ROTATED_TABLES = ("organisations", "reports", "users", "server_sessions")
DISABLED_TABLES = ("users", "server_sessions")


@pytest.fixture
def session_store() -> str:
    """Where sessions are kept: as configured (Redis with PostgreSQL), or in the table regardless."""
    return "configured"


@pytest.fixture
def config(config: Config, backend: str, session_store: str) -> Iterator[Config]:
    """On PostgreSQL a database of its own (see ``tests/stored_bytes.py``)."""
    if session_store == "table":
        config = config.replace(redis_url="")
    with stored_bytes.database_of_its_own(config, backend) as own:
        yield own


def _client(app: Flask) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = CLIENT_ADDRESS
    return client


def _engine_session(app: Flask) -> Session:
    return Session(app.extensions["portal.engine"])


def _session_rows(db: Session, user_id: int | None = None) -> dict[str, bytes]:
    query = select(ServerSession.id, ServerSession.data)
    if user_id is not None:
        query = query.where(ServerSession.user_id == user_id)
    return {f"session {row.id[:8]}": bytes(row.data) for row in db.execute(query)}


def _assert_all_found(app: Flask, needles: dict[str, bytes], tables: tuple[str, ...]) -> None:
    """The control: before, the same search finds every one of them (it sees the stored bytes)."""
    found = {entry.split(" in ")[0] for entry in stored_bytes.where_found(app, needles, tables)}
    assert found == set(needles), f"not seen before: {sorted(set(needles) - found)}"


def _grant(app: Flask, admin: Account, username: str) -> None:
    with app.test_request_context(), _engine_session(app) as db:
        actor = accounts.find(db, admin.username)
        org_key = accounts.open_org_key(actor, admin.password, app.config["PORTAL"])
        grants.grant(db, accounts.find(db, username), org_key, actor)
        db.commit()


def _opened_with_passphrase(app: Flask, username: str, password: str, grant: bytes) -> bytes:
    """The attacker's step with a leftover grant: the user's key pair opened with their passphrase."""
    cost = installation.kdf_cost(app.config["PORTAL"])
    with _engine_session(app) as db:
        row = db.scalars(select(User).where(User.username == username)).one()
        assert row.public_key and row.private_key_wrapped and row.kdf_salt
        pair = crypto.WrappedKeyPair(row.public_key, row.private_key_wrapped, row.kdf_salt)
    return crypto.unseal(crypto.unwrap_private_key(pair, password, cost), grant)


def test_after_a_rotation_no_old_wrap_is_left_in_the_stored_bytes(
    app: Flask, client: FlaskClient, admin: Account, moderator: AccountFactory
) -> None:
    assert admin.recovery_key
    mo = moderator("mo")
    _grant(app, admin, "mo")
    for _ in range(3):
        report_and_get_code(client)
    admin_client = _client(app)
    assert AuthActions(admin_client).login(admin).status_code == 302
    assert admin_client.get("/moderation/").status_code == 200
    with _engine_session(app) as db:
        row = db.get_one(Organisation, 1)
        assert row.private_key_recovery is not None
        old_private = crypto.unwrap(crypto.parse_recovery_key(admin.recovery_key), row.private_key_recovery)
        old: dict[str, bytes] = {"recovery wrap": row.private_key_recovery}
        for user in db.scalars(select(User).order_by(User.username)):
            assert user.org_key_sealed is not None
            old[f"grant of {user.username}"] = user.org_key_sealed
        for report_id, sealed in db.execute(select(Report.id, Report.key_sealed).order_by(Report.id)):
            old[f"key_sealed of report {report_id}"] = sealed
        old.update(_session_rows(db))  # SQLite: the admin's session (the old key, under the cookie's key)
    assert len(old) >= 1 + 2 + 3
    # What the leftovers are worth: mo's old grant opens the old organisation key with mo's
    # passphrase, which the rotation does not change; that key opens every old key_sealed.
    assert _opened_with_passphrase(app, "mo", mo.password, old["grant of mo"]) == old_private
    needles = stored_bytes.needles(old)
    _assert_all_found(app, needles, ROTATED_TABLES)

    result = app.test_cli_runner().invoke(args=["keys", "rotate"], input=admin.recovery_key + "\n")
    assert result.exit_code == 0, result.output
    assert "3 reports re-sealed, 2 users re-granted" in result.stdout

    stored_bytes.assert_gone(app, needles, ROTATED_TABLES)


@pytest.mark.parametrize("session_store", ["configured", "table"])
def test_after_disabling_a_moderator_their_keys_and_sessions_are_gone_from_the_stored_bytes(
    app: Flask, admin: Account, moderator: AccountFactory
) -> None:
    mona = moderator("mona")
    admin_client = _client(app)
    assert AuthActions(admin_client).login(admin).status_code == 302
    with _engine_session(app) as db:
        mona_id = db.scalars(select(User.id).where(User.username == "mona")).one()
    token = get_csrf(admin_client, "/moderation/users")
    granted = admin_client.post(f"/moderation/users/{mona_id}/access", data={"csrf_token": token})
    assert granted.status_code == 303
    mona_client = _client(app)
    assert AuthActions(mona_client).login(mona).status_code == 302
    assert mona_client.get("/moderation/").status_code == 200
    with _engine_session(app) as db:
        row = db.get_one(User, mona_id)
        assert row.private_key_wrapped is not None and row.org_key_sealed is not None
        old = {"mona's private_key_wrapped": row.private_key_wrapped, "mona's grant": row.org_key_sealed}
        old.update(_session_rows(db, mona_id))  # in the table: her session, which her cookie opens
        org_private = _opened_with_passphrase(app, "mona", mona.password, row.org_key_sealed)
        assert org_private  # the control: her row and her passphrase open the organisation key
    assert len(old) == (2 if app.config["PORTAL"].redis_url else 3)
    needles = stored_bytes.needles(old)
    _assert_all_found(app, needles, DISABLED_TABLES)

    token = get_csrf(admin_client, "/moderation/users")
    disabled = admin_client.post(f"/moderation/users/{mona_id}/disable", data={"csrf_token": token})
    assert disabled.status_code == 303

    stored_bytes.assert_gone(app, needles, DISABLED_TABLES)


NEW_PASSPHRASE = "purple kettles hum beside quiet harbours"


def _granted_and_logged_in(app: Flask, admin: Account, mona: Account) -> tuple[int, FlaskClient]:
    _grant(app, admin, "mona")
    mona_client = _client(app)
    assert AuthActions(mona_client).login(mona).status_code == 302
    with _engine_session(app) as db:
        return db.scalars(select(User.id).where(User.username == "mona")).one(), mona_client


def _old_key_pair(app: Flask, mona: Account, user_id: int) -> dict[str, bytes]:
    """Her key pair as wrapped under her current passphrase, and the grant it opens (the control)."""
    with _engine_session(app) as db:
        row = db.get_one(User, user_id)
        assert row.private_key_wrapped is not None and row.org_key_sealed is not None
        old = {"mona's old private_key_wrapped": row.private_key_wrapped}
        grant = row.org_key_sealed
    assert _opened_with_passphrase(app, "mona", mona.password, grant)
    return old


def test_after_a_password_change_the_wrap_under_the_old_passphrase_is_gone_from_the_stored_bytes(
    app: Flask, admin: Account, moderator: AccountFactory
) -> None:
    # The old passphrase may be known to someone (that is why it was changed): with the old wrap
    # left in the -wal or a dead tuple it would still open her key pair, so the organisation key.
    mona = moderator("mona")
    user_id, mona_client = _granted_and_logged_in(app, admin, mona)
    needles = stored_bytes.needles(_old_key_pair(app, mona, user_id))
    _assert_all_found(app, needles, DISABLED_TABLES)

    url = "/moderation/account/password"
    changed = mona_client.post(
        url,
        data={
            "csrf_token": get_csrf(mona_client, url),
            "current": mona.password,
            "new": NEW_PASSPHRASE,
            "confirm": NEW_PASSPHRASE,
        },
    )
    assert changed.status_code == 302

    stored_bytes.assert_gone(app, needles, DISABLED_TABLES)


def test_after_an_admin_reset_the_old_key_pair_and_grant_are_gone_from_the_stored_bytes(
    app: Flask, admin: Account, moderator: AccountFactory
) -> None:
    mona = moderator("mona")
    user_id, _ = _granted_and_logged_in(app, admin, mona)
    old = _old_key_pair(app, mona, user_id)
    with _engine_session(app) as db:
        old["mona's old grant"] = db.get_one(User, user_id).org_key_sealed or b""
    needles = stored_bytes.needles(old)
    _assert_all_found(app, needles, DISABLED_TABLES)

    admin_client = _client(app)
    assert AuthActions(admin_client).login(admin).status_code == 302
    url = f"/moderation/users/{user_id}/reset"
    reset = admin_client.post(
        url,
        data={
            "csrf_token": get_csrf(admin_client, url),
            "password": NEW_PASSPHRASE,
            "confirm": NEW_PASSPHRASE,
        },
    )
    assert reset.status_code == 303

    stored_bytes.assert_gone(app, needles, DISABLED_TABLES)
