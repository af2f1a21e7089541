"""Two app servers, one PostgreSQL and one Redis: sessions, limits and lock-outs are shared.

Two gunicorn processes on different ports serve one schema and one Redis prefix, as two app
servers behind one proxy would (docs/deploy.md). A visitor's cookie jar carries its session
from one to the other (cookies ignore the port), so every check below mixes A and B.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from portal import create_app, dispose
from portal.config import Config
from portal.models import Role
from tests import live_server
from tests.accounts import Account, make_account
from tests.csrf import csrf_from
from tests.live_client import Visitor
from tests.scratch_backend import scratch_postgres
from tests.settings import CHEAP_KDF, PG_URL, REDIS_URL

MISSING = [
    name
    for name, value in (("PORTAL_TEST_DATABASE_URL", PG_URL), ("PORTAL_TEST_REDIS_URL", REDIS_URL))
    if value == ""
]
REASON = f"the two-server tests need PostgreSQL and Redis: set {' and '.join(MISSING)}"
pytestmark = pytest.mark.skipif(bool(MISSING), reason=REASON)

CODE_LOGINS_PER_MINUTE = 4
LOCKOUT_AFTER = 3
WRONG_CODE = "AAAA-BBBB-CCCC-DDDD"


@dataclass(frozen=True)
class Pair:
    a: live_server.LiveServer
    b: live_server.LiveServer
    ada: Account
    bo: Account


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    """Started once for the module: each test uses its own account or its own limit."""
    logs = tmp_path_factory.mktemp("servers")
    with scratch_postgres(PG_URL, REDIS_URL) as scratch:
        shared = Config(
            secret_key="multi-server-" + uuid.uuid4().hex,
            instance_path=logs / "instance",
            database_url=scratch.database_url,
            redis_url=REDIS_URL,
            redis_prefix=scratch.redis_prefix,
            limit_code_login=f"{CODE_LOGINS_PER_MINUTE} per minute",
            lockout_threshold=LOCKOUT_AFTER,
            **CHEAP_KDF,
        )
        with live_server.start(shared, logs / "a.log") as a:
            app = create_app(shared)  # in-process, only to create the accounts
            try:
                ada, bo = make_account(app, "ada", Role.ADMIN), make_account(app, "bo")
            finally:
                dispose(app)
            with live_server.start(shared, logs / "b.log", migrate_first=False) as b:
                assert a.base_url != b.base_url
                yield Pair(a, b, ada, bo)


def _log_in(visitor: Visitor, server: live_server.LiveServer, account: Account, password: str) -> int:
    token = csrf_from(_on(visitor, server).page("/moderation/login"))
    fields = {
        "username": account.username,
        "password": password,
        "totp": account.next_code(),
        "csrf_token": token,
    }
    return visitor.post("/moderation/login", fields).status


def _on(visitor: Visitor, server: live_server.LiveServer) -> Visitor:
    visitor.base_url = server.base_url
    return visitor


def test_a_session_made_on_one_server_is_valid_on_the_other(pair: Pair) -> None:
    moderator = Visitor(pair.a.base_url)
    assert _log_in(moderator, pair.a, pair.ada, pair.ada.password) == 302
    dashboard = _on(moderator, pair.b).get("/moderation/")
    assert dashboard.status == 200 and "/moderation/logout" in dashboard.body
    # Logging out on B ends the session on A too: one server side for both.
    token = csrf_from(dashboard.body)
    assert _on(moderator, pair.b).post("/moderation/logout", {"csrf_token": token}).status == 302
    assert _on(moderator, pair.a).get("/moderation/").status == 302


def test_the_code_login_limit_counts_both_servers_together(pair: Pair) -> None:
    reporter = Visitor(pair.a.base_url)
    statuses = []
    for attempt in range(CODE_LOGINS_PER_MINUTE + 1):
        server = (pair.a, pair.b)[attempt % 2]
        token = csrf_from(_on(reporter, server).page("/followup"))
        statuses.append(reporter.post("/followup", {"code": WRONG_CODE, "csrf_token": token}).status)
    # Each server alone saw at most 3 attempts, under the limit of 4: only a shared count trips.
    assert statuses == [401] * CODE_LOGINS_PER_MINUTE + [429]


def test_a_lockout_made_on_one_server_holds_on_the_other(pair: Pair) -> None:
    moderator = Visitor(pair.b.base_url)
    assert _log_in(moderator, pair.b, pair.bo, pair.bo.password) == 302  # the credentials are right
    attacker = Visitor(pair.a.base_url)
    for _ in range(LOCKOUT_AFTER):
        assert _log_in(attacker, pair.a, pair.bo, "not the password at all") == 401
    assert _log_in(Visitor(pair.b.base_url), pair.b, pair.bo, pair.bo.password) == 401
