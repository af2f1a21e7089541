"""The fault: the portal's Redis stops (refuses connections) or hangs (accepts and never answers)
while reporters use the portal (issue 19 item 1).

A real gunicorn server with two workers runs against a Redis of the test's own, which the test
stops and freezes. The portal must keep serving the public pages, take reports and open cases
(sessions in the database meanwhile, shared by both workers), say ``degraded`` on /healthz, cost
a visitor at most a rare timeout while Redis hangs, come back to Redis by itself, and log the
change without any time finer than the hour.
"""

from __future__ import annotations

import re
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from portal.config import Config
from tests import live_server
from tests.faults import servers
from tests.live_client import Visitor, open_report, submit_report
from tests.settings import CHEAP_KDF

pytestmark = pytest.mark.slow

PUBLIC_PAGES = ["/", "/report", "/followup", "/forum/", "/static/portal.css"]
PAUSE_SECONDS = 5  # the shipped default (Config.redis_pause_seconds)
TIMEOUT_SECONDS = 0.5  # the shipped default (Config.redis_timeout_ms)
# A time of day finer than the hour: 12:34:56, or Python's ",123" milliseconds.
FINE_TIME = re.compile(r"\d{2}:\d{2}:\d{2}|\d{2}:\d{2},\d{3}")


@dataclass
class Portal:
    server: live_server.LiveServer
    redis: servers.RedisServer
    prefix: str

    def health(self) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.server.url("/healthz"), timeout=10) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def sessions_in_redis(self) -> int:
        with redis.Redis(port=self.redis.port) as client:
            return len(client.keys(f"{self.prefix}:session:*"))


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    logs = tmp_path_factory.mktemp("redis-fault")
    with ExitStack() as stack:
        own_redis = servers.or_skip(stack, servers.redis_server())
        prefix = "fault-redis-" + uuid.uuid4().hex[:8]
        config = Config(
            secret_key="redis-fault-" + uuid.uuid4().hex,
            instance_path=logs / "instance",
            redis_url=own_redis.url,
            redis_prefix=prefix,
            **CHEAP_KDF,
        )
        server = stack.enter_context(live_server.installed(config, logs / "server.log", workers=2))
        yield Portal(server, own_redis, prefix)


def _until(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def _back(portal: Portal) -> None:
    """Redis runs again; the portal returns to it by itself within a pause (and a probe).

    /healthz reaches one worker; the other's pause may still run: wait it out before asking."""
    time.sleep(PAUSE_SECONDS + 0.2)
    assert _until(lambda: portal.health() == (200, "ok\n"), PAUSE_SECONDS + 5)


def test_with_redis_stopped_reports_arrive_and_codes_open(portal: Portal) -> None:
    before = f"Före avbrottet {uuid.uuid4().hex}: chefen pressade mig att ändra beslutet."
    during = f"Under avbrottet {uuid.uuid4().hex}: en klient hotade mig i receptionen."
    code_before = submit_report(Visitor(portal.server.base_url), before)
    portal.redis.stop()
    try:
        visitor = Visitor(portal.server.base_url)
        assert [visitor.get(path).status for path in PUBLIC_PAGES] == [200] * len(PUBLIC_PAGES)
        assert portal.health() == (200, "degraded\n")
        code_during = submit_report(Visitor(portal.server.base_url), during)
        reader = Visitor(portal.server.base_url)
        assert during in open_report(reader, code_during)
        assert before in open_report(Visitor(portal.server.base_url), code_before)
        # Several requests of one visitor, on either worker: the session is in the database.
        assert [reader.get("/followup/case").status for _ in range(4)] == [200] * 4
    finally:
        portal.redis.start()
    _back(portal)
    # The session made while Redis was down still holds: nothing is lost when Redis returns.
    assert during in reader.page("/followup/case")
    # New sessions go to Redis again.
    assert portal.sessions_in_redis() == 0  # the new Redis holds nothing yet
    assert before in open_report(Visitor(portal.server.base_url), code_before)
    assert portal.sessions_in_redis() == 1


def test_with_redis_hung_pages_wait_for_it_only_now_and_then(portal: Portal) -> None:
    description = f"Redis hänger {uuid.uuid4().hex}: någon erbjöd mig pengar för ett bygglov."
    durations: list[float] = []
    visitor = Visitor(portal.server.base_url, recorder=lambda _m, _p, _s, seconds: durations.append(seconds))
    submit_report(visitor, description)  # now the visitor's cookie names a session in Redis
    portal.redis.pause()
    try:
        durations.clear()
        for _ in range(10):
            assert visitor.get("/report").status == 200
        code = submit_report(visitor, description)
        assert description in open_report(Visitor(portal.server.base_url), code)
        assert portal.health() == (200, "degraded\n")
    finally:
        portal.redis.resume()
    _back(portal)
    # Each worker waits one timeout for a hung Redis and then leaves it alone for the pause
    # (the limiter's own client backs off likewise): without the pause, each of these requests,
    # which carries a cookie, would wait for the session's Redis, a timeout each.
    waited = [seconds for seconds in durations if seconds >= TIMEOUT_SECONDS * 0.9]
    assert len(durations) == 13 and len(waited) <= 4, durations


def test_the_log_says_redis_went_and_came_back_and_dates_nothing_finer_than_the_hour(portal: Portal) -> None:
    portal.redis.stop()
    try:
        assert Visitor(portal.server.base_url).get("/report").status == 200
        assert portal.health() == (200, "degraded\n")
    finally:
        portal.redis.start()
    _back(portal)
    log = portal.server.log()
    assert "Redis unreachable: sessions go to the database" in log
    assert "Redis answers again" in log
    assert "Traceback" not in log and "ERROR" not in log
    assert FINE_TIME.findall(log) == []


def test_with_redis_unreachable_from_the_start_the_portal_serves(tmp_path: Path) -> None:
    """No Redis on the configured port when the server starts: it starts, and serves reports."""
    config = Config(
        secret_key="redis-never-" + uuid.uuid4().hex,
        instance_path=tmp_path / "instance",
        redis_url=f"redis://127.0.0.1:{live_server.free_port()}/0",  # nothing listens there
        redis_prefix="fault-never-" + uuid.uuid4().hex[:8],
        **CHEAP_KDF,
    )
    description = f"Redis saknas {uuid.uuid4().hex}: min chef hotade att omplacera mig."
    with live_server.installed(config, tmp_path / "server.log") as server:
        visitor = Visitor(server.base_url)
        assert [visitor.get(path).status for path in PUBLIC_PAGES] == [200] * len(PUBLIC_PAGES)
        code = submit_report(visitor, description)
        assert description in open_report(Visitor(server.base_url), code)
        with urllib.request.urlopen(server.url("/healthz"), timeout=10) as answer:
            assert (answer.status, answer.read()) == (200, b"degraded\n")
        assert "Traceback" not in server.log()
