"""Load benchmark: the whole portal under a closed-loop load, against a bare Flask app.

gunicorn with ``gunicorn.conf.py`` (4 sync workers) on PostgreSQL + Redis, all on loopback, with
the *production* argon2id parameters. N client processes run a mix of visitor flows back to back
for ``--seconds``; the table gives throughput, p50/p95/p99 latency (seen by the client, loopback included) and
errors per request class, and the workers' peak RSS.
Then the landing page alone is loaded, on the portal and on a bare Flask app served by the same
gunicorn settings, and the ratio is printed.

    .venv/bin/python -m bench.load [--seconds 60] [--clients 8] [--json load.json]

PORTAL_BENCH_DATABASE_URL and PORTAL_BENCH_REDIS_URL say where PostgreSQL and Redis are; the run
uses a schema and a key prefix of its own and removes them afterwards.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import secrets
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bench import loadgen
from bench.common import PASSWORD, PG_URL, REDIS_URL, UNLIMITED
from bench.forum import thread_with
from bench.load_report import Results, report
from bench.procstat import WorkerUsage
from portal import create_app, dispose, installation
from portal.accounts import service as accounts
from portal.config import Config
from portal.devseed import seed_reports
from portal.forum.models import Board
from portal.models import Role
from portal.security import crypto
from tests import live_server
from tests.live_client import Visitor, submit_report
from tests.scratch_backend import scratch_postgres

# The load comes from one loopback address: every limit it would hit is lifted (and said so).
RAISED_LIMITS = {
    "limit_default": UNLIMITED,
    "limit_report_submit": UNLIMITED,
    "limit_report_submit_installation": UNLIMITED,
    "limit_code_login": UNLIMITED,
}
# Flows per 100 visitors: most read, some report, some come back with a code.
MIX = (("landing", 40), ("forum", 30), ("login", 20), ("submit", 10))
LANDING_ONLY = (("landing", 1),)
THREAD_SIZES = (5, 20, 60)  # approved posts per seeded forum thread
WARMUP_SECONDS = 3.0
ARGON2_RUNS = 5


def bench_config(scratch_url: str, prefix: str, instance: Path) -> Config:
    """Production KDF cost (the defaults); limits raised; development env (no HTTPS on loopback)."""
    return Config(
        secret_key=secrets.token_hex(32),
        instance_path=instance,
        database_url=scratch_url,
        redis_url=REDIS_URL,
        redis_prefix=prefix,
        **RAISED_LIMITS,  # type: ignore[arg-type]
    )


def seed(config: Config, reports: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """An admin (so the organisation key exists), forum threads and synthetic reports; forum paths."""
    app = create_app(config)
    engine = app.extensions["portal.engine"]
    with Session(engine) as db:
        accounts.create_user(db, "bench-admin", Role.ADMIN, PASSWORD, config)
        db.commit()
    threads = tuple(f"/forum/t/{thread_with(app, posts)}" for posts in THREAD_SIZES)
    with Session(engine) as db:
        boards = tuple(f"/forum/{slug}" for slug in db.scalars(select(Board.slug)))
        seed_reports(db, reports, production=False)
        db.commit()
    dispose(app)
    return boards, threads


def argon2id_cpu_ms(config: Config) -> float:
    """CPU time of one argon2id at the configured cost (median; one thread, like a sync worker)."""
    cost = installation.kdf_cost(config)
    samples = []
    for _ in range(ARGON2_RUNS):
        started = time.process_time()
        crypto.derive_key(crypto.new_key(), crypto.new_salt(), cost)
        samples.append(time.process_time() - started)
    return statistics.median(samples) * 1000


def landing_only(base: loadgen.Plan, base_url: str, seconds: float, clients: int) -> loadgen.Tally:
    plan = dataclasses.replace(base, base_url=base_url, seconds=seconds, mix=LANDING_ONLY)
    return loadgen.run(plan, clients)


def measure(args: argparse.Namespace, config: Config, logs: Path) -> Results:
    live_server.migrate(config)
    boards, threads = seed(config, args.reports)
    with live_server.start(config, logs / "portal.log", workers=args.workers, migrate_first=False) as server:
        codes = tuple(submit_report(Visitor(server.base_url), loadgen.DESCRIPTION) for _ in range(args.codes))
        plan = loadgen.Plan(server.base_url, 0.0, WARMUP_SECONDS, MIX, codes, boards, threads, seed=1)
        loadgen.run(plan, args.clients)  # warm-up: imports, pools, caches
        with WorkerUsage(server.process.pid) as usage:
            mixed = loadgen.run(dataclasses.replace(plan, seconds=args.seconds), args.clients)
        portal_landing = landing_only(plan, server.base_url, args.compare_seconds, args.clients)
    with (
        live_server.start(
            config,
            logs / "bare.log",
            workers=args.workers,
            migrate_first=False,
            wsgi_target="bench.bare_app:app",
        ) as bare,
        WorkerUsage(bare.process.pid) as bare_usage,
    ):
        bare_landing = landing_only(plan, bare.base_url, args.compare_seconds, args.clients)
    return Results(
        mixed=loadgen.summarize(mixed, args.seconds),
        flows=mixed.flows,
        failed_flows=mixed.failed_flows,
        failures=mixed.failures + portal_landing.failures + bare_landing.failures,
        workers=usage.figures(),
        client_cpu_seconds=mixed.cpu_seconds,
        landing_portal=loadgen.summarize(portal_landing, args.compare_seconds)[loadgen.LANDING],
        landing_bare=loadgen.summarize(bare_landing, args.compare_seconds)[loadgen.LANDING],
        bare_workers=bare_usage.figures(),
    )


def conditions(args: argparse.Namespace, config: Config, before: tuple[float, ...]) -> dict[str, Any]:
    return {
        "seconds": args.seconds,
        "compare_seconds": args.compare_seconds,
        "clients": args.clients,
        "workers": args.workers,
        "gunicorn": "gunicorn.conf.py (sync workers, max_requests 2000 ± 200)",
        "argon2id": {
            "memory_kib": config.argon2_memory_kib,
            "time_cost": config.argon2_time_cost,
            "parallelism": config.argon2_parallelism,
            "cpu_ms": round(argon2id_cpu_ms(config), 1),
        },
        "raised_limits": RAISED_LIMITS,
        "mix_per_100_flows": dict(MIX),
        "seeded": {"reports": args.reports, "codes": args.codes, "forum_threads": list(THREAD_SIZES)},
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_average_before": [round(x, 2) for x in before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "backends": "PostgreSQL and Redis on loopback, clients on the same machine",
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the mixed load")
    parser.add_argument("--clients", type=int, default=8, help="client processes (closed loop)")
    parser.add_argument("--compare-seconds", type=float, default=20.0, help="each landing-only run")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--reports", type=int, default=10_000, help="synthetic reports seeded first")
    parser.add_argument("--codes", type=int, default=16, help="reports sent over HTTP for the log-ins")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args()
    before = os.getloadavg()
    with scratch_postgres(PG_URL, REDIS_URL, label="bench") as scratch, tempfile.TemporaryDirectory() as tmp:
        config = bench_config(scratch.database_url, scratch.redis_prefix, Path(tmp) / "instance")
        results = measure(args, config, Path(tmp))
    report(results, conditions(args, config, before), args.json)


if __name__ == "__main__":
    main()
