"""Ending sessions stays correct across both stores while Redis is down (issue 19 item 1).

While Redis is down, new sessions live in the database (``security/session_fallback.py``). A
moderator then has sessions in both stores: one made before the outage (in Redis, out of reach),
one made during it (in the table). Disabling them must end both or neither: during the outage
it answers the calm 503 and changes nothing; once Redis is back it ends both. The app runs in
this process against a Redis of the test's own, which the test stops.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal import create_app, dispose
from portal.config import Config
from portal.db import Base
from portal.models import Role, User
from tests.accounts import Account, AuthActions, make_account
from tests.csrf import get_csrf
from tests.faults import servers
from tests.settings import CHEAP_KDF, CLIENT_ADDRESS

pytestmark = pytest.mark.slow
PAUSE_SECONDS = 1


@pytest.fixture
def redis_server() -> Iterator[servers.RedisServer]:
    with ExitStack() as stack:
        yield servers.or_skip(stack, servers.redis_server())


@pytest.fixture
def app(redis_server: servers.RedisServer, tmp_path: Path) -> Iterator[Flask]:
    config = Config(
        secret_key="redis-sessions-" + uuid.uuid4().hex,
        instance_path=tmp_path / "instance",
        testing=True,
        redis_url=redis_server.url,
        redis_prefix="fault-sessions-" + uuid.uuid4().hex[:8],
        redis_pause_seconds=PAUSE_SECONDS,
        **CHEAP_KDF,
    )
    application = create_app(config)
    Base.metadata.create_all(application.extensions["portal.engine"])
    yield application
    dispose(application)


def _logged_in(app: Flask, account: Account) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = CLIENT_ADDRESS
    assert AuthActions(client).login(account).status_code == 302
    return client


def _active(app: Flask, username: str) -> bool:
    with app.extensions["portal.sessionmaker"]() as db:
        return bool(db.scalars(select(User.active).where(User.username == username)).one())


def _disable(admin: FlaskClient, app: Flask) -> int:
    with app.extensions["portal.sessionmaker"]() as db:
        mona_id = db.scalars(select(User.id).where(User.username == "mona")).one()
    token = get_csrf(admin, "/moderation/users")
    return admin.post(f"/moderation/users/{mona_id}/disable", data={"csrf_token": token}).status_code


def test_disabling_ends_the_sessions_in_both_stores_or_none(
    app: Flask, redis_server: servers.RedisServer
) -> None:
    admin_account = make_account(app, "admin", Role.ADMIN)
    mona = make_account(app, "mona")
    in_redis = _logged_in(app, mona)
    # Frozen rather than stopped: Redis keeps its data, as behind a network that fails.
    redis_server.pause()
    try:
        in_database = _logged_in(app, mona)  # logging in works while Redis is down
        admin = _logged_in(app, admin_account)
        statuses = [in_redis.get("/moderation/").status_code, in_database.get("/moderation/").status_code]
        assert statuses == [302, 200]  # the session in Redis is out of reach, not ended
        assert _disable(admin, app) == 503  # it cannot be ended now: nothing is changed
        assert _active(app, "mona") and in_database.get("/moderation/").status_code == 200
    finally:
        redis_server.resume()
    time.sleep(PAUSE_SECONDS + 0.1)
    assert in_redis.get("/moderation/").status_code == 200  # the session from before is back
    assert _disable(admin, app) == 303
    assert not _active(app, "mona")
    assert [in_redis.get("/moderation/").status_code, in_database.get("/moderation/").status_code] == [
        302,
        302,
    ]


def _redis_line(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["status"])
    assert result.exit_code == 0, result.output
    return next(line for line in result.output.splitlines() if line.startswith("Redis: "))


def test_status_says_whether_redis_answers(app: Flask, redis_server: servers.RedisServer) -> None:
    assert _redis_line(app) == "Redis: ok"
    redis_server.stop()
    assert _redis_line(app) == (
        "Redis: NOT ANSWERING. The portal serves on: sessions in the database, rate limits per "
        'process (docs/deploy.md, "Redis is down")'
    )
    redis_server.start()
    time.sleep(PAUSE_SECONDS + 0.1)
    assert _redis_line(app) == "Redis: ok"
