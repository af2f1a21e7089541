"""Shared set-up for benchmarks: a real app on a temporary instance, and a median timer."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import create_engine, insert, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from portal import create_app
from portal.accounts import service as accounts
from portal.config import Config
from portal.db import Base
from portal.domain import today
from portal.models import Author, Message, Role
from tests.scratch_backend import scratch_postgres

PASSWORD = "benchmark passphrase of many words"
UNLIMITED = "1000000 per second"
PG_URL = os.environ.get("PORTAL_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("PORTAL_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


def make_app(**overrides: Any) -> Flask:
    """Production KDF cost unless overridden; limits lifted so that they do not skew timings."""
    instance = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    # PORTAL_BENCH_DATABASE_URL unless the caller names one; "" is a SQLite file in the instance.
    database_url = overrides.pop("database_url", os.environ.get("PORTAL_BENCH_DATABASE_URL", ""))
    config = Config(
        secret_key="bench",
        instance_path=instance,
        database_url=database_url,
        limit_default=UNLIMITED,
        limit_code_login=UNLIMITED,
        limit_report_submit=UNLIMITED,
        limit_report_submit_installation=UNLIMITED,
        **overrides,
    )
    app = create_app(config)
    engine = app.extensions["portal.engine"]
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    with Session(engine) as db:
        accounts.create_user(db, "bench-admin", Role.ADMIN, PASSWORD, config)
        db.commit()
    return app


def median_seconds(
    action: Callable[[Any], object], runs: int, prepare: Callable[[], Any] = lambda: None, warmup: int = 2
) -> float:
    """Median wall time of ``action(prepare())``; the preparation is not timed."""
    for _ in range(warmup):
        action(prepare())
    samples = []
    for _ in range(runs):
        prepared = prepare()
        started = time.perf_counter()
        action(prepared)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


class ServerTimer:
    """WSGI middleware recording the server time of each request (the test client excluded)."""

    def __init__(self, app: Flask) -> None:
        self.inner = app.wsgi_app
        self.last = 0.0
        app.wsgi_app = self  # type: ignore[method-assign]

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        started = time.perf_counter()
        body = list(self.inner(environ, start_response))
        self.last = time.perf_counter() - started
        return body


def paired_medians(first: Callable[[], float], second: Callable[[], float], runs: int) -> tuple[float, float]:
    """Alternate two measurements so that drift on a shared machine hits both alike."""
    a, b = [], []
    for _ in range(2):
        first(), second()
    for _ in range(runs):
        a.append(first())
        b.append(second())
    return statistics.median(a), statistics.median(b)


def seed_messages(
    db: Session, report_ids: list[int], per_report: int, body: bytes, batch: int = 1000
) -> None:
    """``per_report`` reporter messages of ciphertext ``body`` on each report, inserted in batches."""
    for start in range(0, len(report_ids), batch):
        db.execute(
            insert(Message),
            [
                {"report_id": rid, "seq": seq, "author": Author.REPORTER, "body": body, "created_on": today()}
                for rid in report_ids[start : start + batch]
                for seq in range(1, per_report + 1)
            ],
        )


def postgres_reachable(url: str) -> bool:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError:
        return False
    finally:
        engine.dispose()
    return True


def on_postgres(label: str, measure: Callable[[str], None]) -> None:
    """``measure(database_url)`` on a schema of its own of the bench's PostgreSQL (``make_app``
    drops and creates every table), removed afterwards; said and skipped when it does not answer."""
    if not postgres_reachable(PG_URL):
        print(f"PostgreSQL: skipped, {PG_URL} does not answer")
        return
    with scratch_postgres(PG_URL, REDIS_URL, label) as scratch:
        measure(scratch.database_url)
