"""Rate-limit keys tried as an insider would: with Redis (or the process's limit storage) and every
file of the instance folder, and the address of one employee (the employer's proxy log).

The attacks below are the ones the issue "Anonymity 2a" names: test an address against a
rate-limit entry more than an hour old; join one address's buckets across purposes; date a
visit by the entry's expiry. On SQLite the limiter counts in memory; on PostgreSQL + Redis in Redis.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol, cast

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from redis.backoff import NoBackoff
from redis.retry import Retry

from portal.config import Config, ConfigError
from portal.security import client_key
from portal.security.ratelimit import limiter
from tests.accounts import Account, AuthActions
from tests.forum_helpers import new_thread, seed
from tests.reporting_helpers import open_with_code, report_and_get_code
from tests.settings import CLIENT_ADDRESS

HOUR = 60 * 60
PURPOSES = ("reporting", "code-login", "forum", "moderator")


class _SyncRedis(Protocol):
    """The calls made here, as a client made without asyncio answers them (redis-py types
    each answer as "a value or an awaitable")."""

    def keys(self, pattern: str) -> list[bytes]: ...
    def type(self, name: bytes) -> bytes: ...
    def get(self, name: bytes) -> bytes | None: ...
    def ttl(self, name: bytes) -> int: ...
    def close(self) -> None: ...


def _redis(url: str) -> _SyncRedis:
    return cast(_SyncRedis, redis.Redis.from_url(url))


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """The portal's clock, moved by the test; it starts five minutes into the next real hour, so
    that Redis (which expires keys on its own clock) has not yet expired anything it is given."""
    import time

    now = [(int(time.time()) // HOUR + 1) * HOUR + 5 * 60.0]
    monkeypatch.setattr(client_key, "now_seconds", lambda: now[0])
    yield now


def _entries(app: Flask) -> dict[str, float]:
    """Every rate-limit entry of this app and the seconds it has left to live."""
    prefix = app.config["PORTAL"].redis_prefix
    storage = limiter.storage
    if app.config["PORTAL"].redis_url:
        db = storage.storage  # type: ignore[attr-defined]
        names = [n.decode() for n in db.keys(f"*{prefix}:limits:*")]
        return {n: float(db.pttl(n)) / 1000 for n in names}
    import time

    counters = storage.storage  # type: ignore[attr-defined]
    expirations = storage.expirations  # type: ignore[attr-defined]
    return {n: expirations.get(n, 0) - time.time() for n in counters if f"{prefix}:limits:" in n}


def _digests(app: Flask) -> dict[str, set[str]]:
    """Per purpose, the keyed hashes found in the entry names."""
    found: dict[str, set[str]] = {p: set() for p in PURPOSES}
    for name in _entries(app):
        match = re.search(r":limits:([a-z-]+):([0-9a-f]{32})", name)
        if match:
            found[match.group(1)].add(match.group(2))
    return found


def _everything_an_insider_holds(app: Flask) -> list[bytes]:
    """Candidate secrets: every value in Redis, every file of the instance folder (whole and line
    by line), and the application's own secret key."""
    found: list[bytes] = [app.config["SECRET_KEY"].encode()]
    config: Config = app.config["PORTAL"]
    if config.redis_url:
        db = _redis(config.redis_url)
        for name in db.keys("*"):
            if db.type(name) == b"string":
                found.append(bytes(db.get(name) or b""))
        db.close()
    for path in Path(config.instance_path).rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [data, *data.splitlines()]
    return found


def _address_is_testable(app: Flask, address: str) -> bool:
    """The attack: derive the key of ``address`` from each candidate secret, the way the portal
    does, and look for it among the entries."""
    wanted = {d for digests in _digests(app).values() for d in digests}
    for candidate in _everything_an_insider_holds(app):
        for purpose in PURPOSES:
            purpose_key = hmac.new(
                candidate, b"ratelimit-purpose:" + purpose.encode(), hashlib.sha256
            ).digest()
            for key in (purpose_key, candidate):  # a derived key, or the secret used directly
                digest = hmac.new(key, address.encode(), hashlib.sha256).hexdigest()[:32]
                if digest in wanted:
                    return True
    return False


def _visit_every_purpose(app: Flask, client: FlaskClient, admin: Account) -> None:
    seed(app)
    code = report_and_get_code(client)
    open_with_code(client, code)
    new_thread(client, "Ett hot", "Någon hotade mig i receptionen.", action="publish")
    AuthActions(client).login(admin, password="not the password")


def test_an_address_cannot_be_tested_against_an_entry_older_than_an_hour(
    app: Flask, client: FlaskClient, admin: Account, clock: list[float]
) -> None:
    _visit_every_purpose(app, client, admin)
    assert _entries(app), "the visit left no rate-limit entry to attack"
    # Within the hour the attack works (the entries are keyed with the live secret): this shows
    # that the attack is real, so its failure below means something.
    clock[0] += 20 * 60
    client.get("/")
    if app.config["PORTAL"].redis_url:
        assert _address_is_testable(app, CLIENT_ADDRESS)

    # An hour and two minutes later, another visitor's request moves the secret on.
    clock[0] += HOUR + 2 * 60
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.23"
    other.get("/")

    assert not _address_is_testable(app, CLIENT_ADDRESS)


def test_one_address_has_unrelated_keys_for_each_purpose(
    app: Flask, client: FlaskClient, admin: Account, clock: list[float]
) -> None:
    _visit_every_purpose(app, client, admin)
    client.get("/forum/")
    digests = _digests(app)
    # One key per purpose for this one visitor (so each purpose's limits do count it)...
    assert {p: len(d) for p, d in digests.items()} == {p: 1 for p in PURPOSES}
    # ...and no two purposes share it: a dump cannot join the report to the forum post.
    every = [d for ds in digests.values() for d in ds]
    assert len(set(every)) == len(PURPOSES)


def test_reporter_and_forum_entries_live_an_hour_at_most(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    _visit_every_purpose(app, client, admin)
    lifetimes = {n: ttl for n, ttl in _entries(app).items() if not re.search(r":limits:moderator:", n)}
    assert lifetimes
    assert all(0 < ttl <= HOUR for ttl in lifetimes.values()), lifetimes
    config: Config = app.config["PORTAL"]
    if config.redis_url:
        db = _redis(config.redis_url)
        secrets = db.keys(f"{config.redis_prefix}:ratelimit-secret:*")
        assert len(secrets) == 1
        # Its expiry is the end of its hour plus one minute's grace, on Redis's own clock.
        assert 0 < db.ttl(secrets[0]) <= HOUR + 60
        db.close()


@pytest.mark.parametrize(
    "name", ["limit_report_submit", "limit_forum_post", "limit_code_login", "limit_reporter_reply"]
)
def test_windows_longer_than_an_hour_are_refused_on_reporter_and_forum_limits(name: str) -> None:
    with pytest.raises(ConfigError, match="longer than an hour"):
        Config(**{name: "5 per hour; 20 per day"})  # type: ignore[arg-type]
    Config(**{name: "5 per hour"})  # type: ignore[arg-type]


def test_two_workers_on_one_redis_share_the_hours_secret(config: Config, clock: list[float]) -> None:
    if not config.redis_url:
        pytest.skip("sharing through Redis needs PORTAL_TEST_REDIS_URL")
    db = redis.Redis.from_url(config.redis_url)
    a = client_key.HourlySecret(db, config.redis_prefix)
    b = client_key.HourlySecret(db, config.redis_prefix)
    assert a.keys() == b.keys()
    clock[0] += HOUR
    assert a.keys() == b.keys()
    db.close()


def test_the_secret_works_and_stays_put_while_redis_is_unreachable(clock: list[float]) -> None:
    # Nothing listens on port 9 (discard) here: every call fails at once.
    down = redis.Redis(host="127.0.0.1", port=9, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0))
    secret = client_key.HourlySecret(down, "test")
    first = secret.keys()
    clock[0] += 2 * 60  # Redis is asked again; still down, the process keeps its own secret
    assert secret.keys() == first
    clock[0] += HOUR
    assert secret.keys() != first  # a new hour: a new secret, down or not


def test_the_middleware_hands_on_keys_and_never_the_address() -> None:
    seen: list[dict[object, str]] = []

    def inner(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        seen.append(environ["portal.client_keys"])
        assert CLIENT_ADDRESS not in repr(environ)
        return [b""]

    middleware = client_key.ClientKeyMiddleware(inner, client_key.HourlySecret())

    def start_response(*_: object) -> None:
        raise AssertionError("inner never starts a response")

    middleware({"REMOTE_ADDR": CLIENT_ADDRESS}, start_response)
    middleware({"REMOTE_ADDR": CLIENT_ADDRESS}, start_response)
    middleware({"REMOTE_ADDR": "198.51.100.1"}, start_response)
    assert seen[0] == seen[1] != seen[2]
    assert len(set(seen[0].values())) == len(PURPOSES)


def _keys_seen(secret: client_key.HourlySecret, address: str) -> dict[object, str]:
    """The keys the middleware hands on for one request from ``address`` (seen from outside)."""
    seen: list[dict[object, str]] = []

    def inner(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        seen.append(environ["portal.client_keys"])
        return [b""]

    client_key.ClientKeyMiddleware(inner, secret)({"REMOTE_ADDR": address}, lambda *_: None)
    return seen[0]


def test_the_same_address_gets_another_key_in_the_next_hour(clock: list[float]) -> None:
    secret = client_key.HourlySecret()
    first = _keys_seen(secret, CLIENT_ADDRESS)
    clock[0] += 30 * 60
    assert _keys_seen(secret, CLIENT_ADDRESS) == first  # the same hour: the same bucket
    assert _keys_seen(secret, "198.51.100.7") != first  # another address: another bucket
    clock[0] += HOUR
    later = _keys_seen(secret, CLIENT_ADDRESS)
    assert set(later.values()).isdisjoint(first.values())


def test_the_key_cannot_be_made_without_the_hours_secret(app: Flask, clock: list[float]) -> None:
    """The attack: an insider who knows the address and everything but the hour's secret tries
    the fixed keys a careless implementation might use, directly and through the purpose step."""
    keys = _keys_seen(client_key.HourlySecret(), CLIENT_ADDRESS)
    wanted = set(keys.values())
    candidates = [
        b"",
        app.config["SECRET_KEY"].encode(),
        b"portal",
        b"secret",
        b"ratelimit",
        b"0" * 32,
        b"\x00" * 32,
        CLIENT_ADDRESS.encode(),
    ]
    for candidate in candidates:
        for purpose in PURPOSES:
            purpose_key = hmac.new(
                candidate, b"ratelimit-purpose:" + purpose.encode(), hashlib.sha256
            ).digest()
            for key in (purpose_key, candidate):
                digest = hmac.new(key, CLIENT_ADDRESS.encode(), hashlib.sha256).hexdigest()[:32]
                assert digest not in wanted, candidate
    # Whatever fixed key one might think of: a second process with its own secret (no Redis to
    # share one) gives the same address other keys in the same hour, so the key is the secret's.
    assert set(_keys_seen(client_key.HourlySecret(), CLIENT_ADDRESS).values()).isdisjoint(wanted)


def test_once_the_hours_secret_is_gone_from_redis_the_key_changes(config: Config, clock: list[float]) -> None:
    if not config.redis_url:
        pytest.skip("the shared secret lives in Redis: needs PORTAL_TEST_REDIS_URL")
    db = redis.Redis.from_url(config.redis_url)
    first = _keys_seen(client_key.HourlySecret(db, config.redis_prefix), CLIENT_ADDRESS)
    assert _keys_seen(client_key.HourlySecret(db, config.redis_prefix), CLIENT_ADDRESS) == first
    hour = int(clock[0] // HOUR)
    assert db.delete(f"{config.redis_prefix}:ratelimit-secret:{hour}") == 1
    again = _keys_seen(client_key.HourlySecret(db, config.redis_prefix), CLIENT_ADDRESS)
    assert set(again.values()).isdisjoint(first.values())
    db.close()
