"""What replacing or removing key material leaves in the database's bytes (issue 13, items 5 and 6;
issue 15).

The attack: a copy of the database files taken after ``keys rotate``, or after a moderator was
disabled. The rows hold only the new wraps, or none, but the old ones may remain in the bytes:
the SQLite ``-wal`` keeps every page as it was written, PostgreSQL keeps the old row versions as
dead tuples until VACUUM. With them,

- after a rotation: the old recovery wrap opens the old organisation key with the old recovery
  key; an admin's old grant opens it with their unchanged passphrase (their key pair is not
  rotated), and so does the grant a plain moderator still held from before case keys (the
  rotation removes it); the old ``key_sealed`` of every report then opens its report key;
- after a disable or a reset: the moderator's removed key pair opens, with the passphrase they
  still know, their removed case keys, each of which opens a report key; their removed session
  rows open with the cookie their browser still has (SQLite keeps sessions in the table);
- after a password change: the key pair's wrap under the old passphrase opens the case keys.

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
from portal.accounts import service as accounts
from portal.cases import access_jobs, vault
from portal.config import Config
from portal.models import CaseKey, Organisation, Report, ServerSession, User
from portal.security import crypto, user_keys
from tests import stored_bytes
from tests.accounts import Account, AccountFactory, AuthActions, grant
from tests.csrf import get_csrf
from tests.reporting_helpers import report_and_get_code
from tests.settings import CLIENT_ADDRESS

# What a rotation rewrites (installation, reports, users) and deletes (server_sessions).
ROTATED_TABLES = ("organisations", "reports", "users", "server_sessions")
DISABLED_TABLES = ("users", "server_sessions", "case_keys")


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


def _opened_with_passphrase(app: Flask, username: str, password: str, sealed: bytes) -> bytes:
    """The attacker's step with a leftover grant or case key: the user's key pair opened with
    their passphrase, and what is sealed to it opened with that."""
    cost = installation.kdf_cost(app.config["PORTAL"])
    with _engine_session(app) as db:
        row = db.scalars(select(User).where(User.username == username)).one()
        assert row.public_key and row.private_key_wrapped and row.kdf_salt
        pair = crypto.WrappedKeyPair(row.public_key, row.private_key_wrapped, row.kdf_salt)
    return crypto.unseal(crypto.unwrap_private_key(pair, password, cost), sealed)


def _report_keys(app: Flask, admin: Account) -> dict[int, bytes]:
    """Every report key, opened with the admin's organisation key (what a case key must open)."""
    with _engine_session(app) as db:
        org_key = accounts.open_org_key(
            accounts.find(db, admin.username), admin.password, app.config["PORTAL"]
        )
        return {report.id: vault.key_from_org(report, org_key) for report in db.scalars(select(Report))}


def _case_keys(app: Flask, user_id: int) -> dict[int, bytes]:
    with _engine_session(app) as db:
        rows = db.execute(select(CaseKey.report_id, CaseKey.sealed).where(CaseKey.user_id == user_id))
        return {report_id: bytes(sealed) for report_id, sealed in rows}


def _still_holding_the_org_key(app: Flask, admin: Account, username: str) -> None:
    """A plain moderator as migration 0019 left one who had been granted before case keys: the
    organisation key sealed to their public key, access to cases, no case key yet."""
    with _engine_session(app) as db:
        org_key = accounts.open_org_key(
            accounts.find(db, admin.username), admin.password, app.config["PORTAL"]
        )
        user = accounts.find(db, username)
        user_keys.seal_org_key(user, org_key)
        user.case_access = True
        db.commit()


def test_after_a_rotation_no_old_wrap_is_left_in_the_stored_bytes(
    app: Flask, client: FlaskClient, admin: Account, moderator: AccountFactory
) -> None:
    assert admin.recovery_key
    moderator("mo")
    leo = moderator("leo")
    grant(app, "mo", by=admin)  # a plain moderator: case keys, no grant of the organisation key
    for _ in range(3):
        report_and_get_code(client)
    admin_client = _client(app)
    assert AuthActions(admin_client).login(admin).status_code == 302
    assert admin_client.get("/moderation/").status_code == 200
    # After the admin's log-in, which would have started leo's conversion: he still holds it.
    _still_holding_the_org_key(app, admin, "leo")
    with _engine_session(app) as db:
        row = db.get_one(Organisation, 1)
        assert row.private_key_recovery is not None
        old_private = crypto.unwrap(crypto.parse_recovery_key(admin.recovery_key), row.private_key_recovery)
        old: dict[str, bytes] = {"recovery wrap": row.private_key_recovery}
        grants = {user.username: user.org_key_sealed for user in db.scalars(select(User).order_by(User.id))}
        assert grants["mo"] is None  # a plain moderator holds no grant
        for name in ("admin", "leo"):
            sealed = grants[name]
            assert sealed is not None
            old[f"grant of {name}"] = sealed
        for report_id, sealed in db.execute(select(Report.id, Report.key_sealed).order_by(Report.id)):
            old[f"key_sealed of report {report_id}"] = sealed
        old.update(_session_rows(db))  # SQLite: the admin's session (the old key, under the cookie's key)
    assert len(old) >= 1 + 2 + 3
    # What the leftovers are worth: each grant opens the old organisation key with its holder's
    # passphrase, which the rotation does not change; that key opens every old key_sealed.
    assert _opened_with_passphrase(app, "admin", admin.password, old["grant of admin"]) == old_private
    assert _opened_with_passphrase(app, "leo", leo.password, old["grant of leo"]) == old_private
    needles = stored_bytes.needles(old)
    _assert_all_found(app, needles, ROTATED_TABLES)

    result = app.test_cli_runner().invoke(args=["keys", "rotate"], input=admin.recovery_key + "\n")
    assert result.exit_code == 0, result.output
    assert (
        "3 reports re-sealed, 1 users re-granted, 0 disabled users' grants removed, 1 moderators moved to case keys"
        in result.stdout
    )  # leo converted

    stored_bytes.assert_gone(app, needles, ROTATED_TABLES)
    with _engine_session(app) as db:
        assert db.scalars(select(User.org_key_sealed).where(User.username == "leo")).one() is None


@pytest.mark.parametrize("session_store", ["configured", "table"])
def test_after_disabling_a_moderator_their_keys_and_sessions_are_gone_from_the_stored_bytes(
    app: Flask, admin: Account, moderator: AccountFactory
) -> None:
    mona = moderator("mona")
    reporter = _client(app)
    report_and_get_code(reporter)
    admin_client = _client(app)
    assert AuthActions(admin_client).login(admin).status_code == 302
    with _engine_session(app) as db:
        mona_id = db.scalars(select(User.id).where(User.username == "mona")).one()
    token = get_csrf(admin_client, "/moderation/users")
    granted = admin_client.post(f"/moderation/users/{mona_id}/access", data={"csrf_token": token})
    assert granted.status_code == 303
    access_jobs.wait()  # her job sealed the first report's case key
    report_and_get_code(reporter)  # the second one's is sealed at submission
    mona_client = _client(app)
    assert AuthActions(mona_client).login(mona).status_code == 302
    assert mona_client.get("/moderation/").status_code == 200
    report_keys = _report_keys(app, admin)
    case_keys = _case_keys(app, mona_id)
    assert sorted(case_keys) == sorted(report_keys) and len(case_keys) == 2
    with _engine_session(app) as db:
        row = db.get_one(User, mona_id)
        assert row.private_key_wrapped is not None and row.org_key_sealed is None
        old = {"mona's private_key_wrapped": row.private_key_wrapped}
        old.update({f"mona's case key of report {n}": sealed for n, sealed in case_keys.items()})
        old.update(_session_rows(db, mona_id))  # in the table: her session, which her cookie opens
    # The control: her row and her passphrase open every case key, so every report key.
    for report_id, sealed in case_keys.items():
        assert _opened_with_passphrase(app, "mona", mona.password, sealed) == report_keys[report_id]
    assert len(old) == (3 if app.config["PORTAL"].redis_url else 4)
    needles = stored_bytes.needles(old)
    _assert_all_found(app, needles, DISABLED_TABLES)

    token = get_csrf(admin_client, "/moderation/users")
    disabled = admin_client.post(f"/moderation/users/{mona_id}/disable", data={"csrf_token": token})
    assert disabled.status_code == 303

    stored_bytes.assert_gone(app, needles, DISABLED_TABLES)
    assert _case_keys(app, mona_id) == {}


NEW_PASSPHRASE = "purple kettles hum beside quiet harbours"


def _granted_and_logged_in(app: Flask, admin: Account, mona: Account) -> tuple[int, FlaskClient]:
    """Mona granted access to the cases of two reports, and logged in."""
    reporter = _client(app)
    report_and_get_code(reporter)
    grant(app, "mona", by=admin)
    report_and_get_code(reporter)
    mona_client = _client(app)
    assert AuthActions(mona_client).login(mona).status_code == 302
    with _engine_session(app) as db:
        return db.scalars(select(User.id).where(User.username == "mona")).one(), mona_client


def _old_key_pair(app: Flask, admin: Account, mona: Account, user_id: int) -> tuple[bytes, dict[int, bytes]]:
    """Her key pair as wrapped under her current passphrase, and the case keys it opens (the
    control: they open every report key)."""
    report_keys = _report_keys(app, admin)
    case_keys = _case_keys(app, user_id)
    assert sorted(case_keys) == sorted(report_keys) and len(case_keys) == 2
    for report_id, sealed in case_keys.items():
        assert _opened_with_passphrase(app, "mona", mona.password, sealed) == report_keys[report_id]
    with _engine_session(app) as db:
        row = db.get_one(User, user_id)
        assert row.private_key_wrapped is not None and row.org_key_sealed is None
        return row.private_key_wrapped, case_keys


def test_after_a_password_change_the_wrap_under_the_old_passphrase_is_gone_from_the_stored_bytes(
    app: Flask, admin: Account, moderator: AccountFactory
) -> None:
    # The old passphrase may be known to someone (that is why it was changed): with the old wrap
    # left in the -wal or a dead tuple it would still open her key pair, so her case keys (they
    # stay, sealed to the same key pair, now wrapped under the new passphrase).
    mona = moderator("mona")
    user_id, mona_client = _granted_and_logged_in(app, admin, mona)
    wrapped, case_keys = _old_key_pair(app, admin, mona, user_id)
    needles = stored_bytes.needles({"mona's old private_key_wrapped": wrapped})
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
    assert _case_keys(app, user_id) == case_keys  # her access is unchanged


def test_after_an_admin_reset_the_old_key_pair_and_case_keys_are_gone_from_the_stored_bytes(
    app: Flask, admin: Account, moderator: AccountFactory
) -> None:
    mona = moderator("mona")
    user_id, _ = _granted_and_logged_in(app, admin, mona)
    wrapped, case_keys = _old_key_pair(app, admin, mona, user_id)
    old = {"mona's old private_key_wrapped": wrapped}
    old.update({f"mona's old case key of report {n}": sealed for n, sealed in case_keys.items()})
    needles = stored_bytes.needles(old)
    _assert_all_found(app, needles, DISABLED_TABLES)

    admin_client = _client(app)
    assert AuthActions(admin_client).login(admin).status_code == 302
    url = f"/moderation/users/{user_id}/reset"
    reset = admin_client.post(
        url,
        data={"csrf_token": get_csrf(admin_client, url)},
    )
    assert reset.status_code == 303

    stored_bytes.assert_gone(app, needles, DISABLED_TABLES)
    assert _case_keys(app, user_id) == {}
