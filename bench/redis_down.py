"""What a Redis that is down costs a request (issue 19 item 1), side by side in one run.

One app per column, in this process, on a SQLite file, each with a Redis of its own
(``tests/faults/servers.py``) that the bench breaks: no Redis configured at all; Redis up;
Redis stopped (connections refused); Redis hung (SIGSTOP: connections accepted, never
answered) with the portal's pause after a failure, and hung with the pause switched off
(``redis_pause_seconds=0``, what the portal did before: a timeout on every request). Each column
times a visitor whose cookie names a session (made while Redis was up) reading the report form,
and the sending of a report (form, POST and receipt: production argon2id for the code), as
medians, with the ratio to "Redis up".

    .venv/bin/python -m bench.redis_down [--reads 30] [--sends 5]
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from bench.common import make_app, median_seconds
from portal import dispose
from tests.csrf import get_csrf
from tests.faults.servers import RedisServer, redis_server

RECEIPT = re.compile(r"data-receipt-code>")
FORM = {"kind": "influence", "category": "threats", "area": "income_support"}


def _send(client: FlaskClient) -> None:
    fields = dict(FORM, description="Benchmark: någon hotade mig.", csrf_token=get_csrf(client, "/report"))
    sent = client.post("/report", data=fields)
    assert sent.status_code == 303, sent.status_code
    assert RECEIPT.search(client.get("/report/receipt").get_data(as_text=True))


def _column(
    redis: RedisServer | None, breaks: Callable[[RedisServer], None], pause: int, reads: int, sends: int
) -> tuple[float, float]:
    overrides: dict[str, Any] = {"redis_pause_seconds": pause}
    if redis is not None:
        overrides.update(redis_url=redis.url, redis_prefix="bench-redis-down")
    app = make_app(**overrides)
    try:
        client = app.test_client()
        _send(client)  # the visitor's session, made while Redis answers
        if redis is not None:
            breaks(redis)
        read = median_seconds(lambda _: client.get("/report"), reads)
        send = median_seconds(lambda _: _send(app.test_client()), sends)
        return read, send
    finally:
        if redis is not None:
            redis.stop()
            redis.start()
        dispose(app)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=30)
    parser.add_argument("--sends", type=int, default=5)
    args = parser.parse_args()
    columns: list[tuple[str, bool, Callable[[RedisServer], None], int]] = [
        ("no Redis configured", False, lambda r: None, 5),
        ("Redis up", True, lambda r: None, 5),
        ("Redis stopped", True, RedisServer.stop, 5),
        ("Redis hung, pause 5 s", True, RedisServer.pause, 5),
        ("Redis hung, no pause", True, RedisServer.pause, 0),
    ]
    results = {}
    with redis_server() as redis:
        for label, with_redis, breaks, pause in columns:
            results[label] = _column(redis if with_redis else None, breaks, pause, args.reads, args.sends)
    base_read, base_send = results["Redis up"]
    print("| Redis | form read ms | ratio | report sent ms | ratio |")
    print("|---|---:|---:|---:|---:|")
    for label, (read, send) in results.items():
        print(
            f"| {label} | {read * 1000:.1f} | {read / base_read:.2f} | {send * 1000:.1f} | {send / base_send:.2f} |"
        )


if __name__ == "__main__":
    main()
