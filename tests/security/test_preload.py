"""gunicorn's ``preload_app``: the workers are forked from a master that has loaded the portal,
and none of them uses the master's database connection, Redis sockets or hourly secret.

Real gunicorn with the project's gunicorn.conf.py and 3 workers serves ``tests/preload_probe.py``
(the portal, which the master has used before forking, plus a route saying which worker answered
with what). Without the ``post_fork`` hook every worker would answer on the master's pooled
connection (one PostgreSQL backend, one SQLite handle for all) and, with no Redis, with the
master's per-process secret.
"""

from __future__ import annotations

import io
import json
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from portal import create_app, dispose
from portal.config import Config
from portal.models import Role
from tests import live_server
from tests.accounts import make_account
from tests.csrf import csrf_from
from tests.live_client import Visitor
from tests.scratch_backend import scratch_postgres
from tests.settings import CHEAP_KDF, PG_URL, REDIS_URL

WORKERS = 3
PROBES_AT_ONCE = 2 * WORKERS
ROUNDS = 6  # each round sends probes together until two workers have answered
UNLIMITED = "1000000 per second"


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), "teal").save(out, "PNG")
    return out.getvalue()


PHOTO = _photo()


def _config(tmp_path: Path) -> Config:
    """SQLite in the instance folder, no Redis; limits lifted (every probe has one address)."""
    return Config(
        secret_key="preload-" + uuid.uuid4().hex,
        instance_path=tmp_path / "instance",
        limit_default=UNLIMITED,
        limit_report_submit=UNLIMITED,
        limit_report_submit_installation=UNLIMITED,
        **CHEAP_KDF,
    )


def _probe(server: live_server.LiveServer) -> dict[str, Any]:
    answer = Visitor(server.base_url).get("/_probe/fork")
    assert answer.status == 200, answer.body
    result: dict[str, Any] = json.loads(answer.body)
    return result


def _answers_from_two_workers(server: live_server.LiveServer) -> list[dict[str, Any]]:
    answers: list[dict[str, Any]] = []
    with ThreadPoolExecutor(PROBES_AT_ONCE) as pool:
        for _ in range(ROUNDS):
            answers += pool.map(lambda _: _probe(server), range(PROBES_AT_ONCE))
            if len({a["pid"] for a in answers}) >= 2:
                break
    return answers


def _send_photo(server: live_server.LiveServer) -> str:
    """A report with a photo: cleaned in the upload sandbox, whose fork server each worker starts."""
    visitor = Visitor(server.base_url)
    token = csrf_from(visitor.page("/report"))
    fields = {
        "kind": "influence",
        "description": "Chefen sa att jag skulle tiga om bygglovet.",
        "csrf_token": token,
    }
    sent = visitor.post("/report", fields, [("attachments", "foto.png", PHOTO)])
    assert sent.status == 303, sent.body
    return visitor.page(sent.location)


def _serve_and_probe(
    config: Config, log: Path, uploads: int = 0
) -> tuple[int, list[dict[str, Any]], list[str]]:
    with live_server.start(config, log, workers=WORKERS, wsgi_target="tests.preload_probe:app") as server:
        answers = _answers_from_two_workers(server)
        if uploads:
            app = create_app(config)  # in this process, only to create the organisation key
            try:
                make_account(app, "ada", Role.ADMIN)
            finally:
                dispose(app)
        with ThreadPoolExecutor(uploads or 1) as pool:
            receipts = list(pool.map(lambda _: _send_photo(server), range(uploads)))
        return server.process.pid, answers, receipts


def _by_worker(answers: list[dict[str, Any]], key: str) -> dict[int, set[Any]]:
    seen: dict[int, set[Any]] = {}
    for answer in answers:
        value = answer[key]
        seen.setdefault(answer["pid"], set()).add(tuple(value) if isinstance(value, list) else value)
    return seen


def _check_own_connections(master: int, answers: list[dict[str, Any]]) -> None:
    workers = {a["pid"] for a in answers}
    assert len(workers) >= 2, f"only one worker answered {len(answers)} probes"
    assert master not in workers
    for answer in answers:
        assert answer["loaded_in"] == master  # preloaded: imported once, in the master
        assert answer["connection_opened_by"] == answer["pid"]  # not the master's connection


@pytest.mark.slow
def test_sqlite_workers_have_own_connection_and_own_secret(tmp_path: Path) -> None:
    master, answers, receipts = _serve_and_probe(
        _config(tmp_path), tmp_path / "server.log", uploads=PROBES_AT_ONCE
    )
    _check_own_connections(master, answers)
    # Photos sent at once, to several workers: each cleaned (its metadata removed) in the sandbox.
    assert len(receipts) == PROBES_AT_ONCE
    cleaned = re.compile(r"<li><strong>foto\.png</strong>[^<]*:\s*(removed|borttaget):\s*<ul><li>")
    assert all(cleaned.search(page) for page in receipts)
    # No Redis: the hourly secret is per process. One per worker, none the master's.
    secrets_by_worker = _by_worker(answers, "secret")
    assert all(len(values) == 1 for values in secrets_by_worker.values())
    drawn = [next(iter(values)) for values in secrets_by_worker.values()]
    assert len(set(drawn)) == len(drawn)


@pytest.mark.slow
@pytest.mark.skipif(
    not (PG_URL and REDIS_URL), reason="set PORTAL_TEST_DATABASE_URL and PORTAL_TEST_REDIS_URL"
)
def test_postgres_workers_have_own_backend_and_redis_sockets(tmp_path: Path) -> None:
    with scratch_postgres(PG_URL, REDIS_URL, label="preload") as scratch:
        config = _config(tmp_path).replace(
            database_url=scratch.database_url, redis_url=REDIS_URL, redis_prefix=scratch.redis_prefix
        )
        master, answers, _ = _serve_and_probe(config, tmp_path / "server.log")
    _check_own_connections(master, answers)
    backends = _by_worker(answers, "backend_id")
    redis_ids = _by_worker(answers, "redis_client_ids")
    for seen in (backends, redis_ids):
        owners = [value for values in seen.values() for value in values]
        assert len(set(owners)) == len(owners), f"two workers answered on one connection: {seen}"
    # With Redis the secret is shared on purpose, by every worker and server (client_key.py).
    assert len({a["secret"] for a in answers}) == 1
