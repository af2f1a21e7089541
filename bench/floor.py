"""Issue 19 item 8: the portal's code log-in and report submission against their floor.

The floor is ``bench/floor_app.py`` (a bare Flask app: a Flask-WTF form, one argon2id, one indexed
lookup or one insert). Both apps are served at once by real gunicorn with ``gunicorn.conf.py``
and the same worker count, on the same database, with the production argon2id cost. One client
sends, round after round and in alternating order, a log-in and a submission to each app, and a
bare argon2id is computed here in between; each POST is timed on the client (loopback included,
the same for both). Printed per operation: medians with their quartiles, and the median of the
per-round ratios portal / floor with their quartiles (the spread), first on SQLite, then on
PostgreSQL + Redis (a scratch schema and key prefix of ``PORTAL_BENCH_DATABASE_URL``).

    .venv/bin/python -m bench.floor [--rounds 41] [--workers 2] [--sqlite-only]
"""

from __future__ import annotations

import argparse
import functools
import os
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session

from bench.common import PASSWORD, PG_URL, REDIS_URL, UNLIMITED, postgres_reachable
from portal import create_app, dispose, installation
from portal.accounts import service as accounts
from portal.config import Config
from portal.models import Role
from portal.security import codes
from tests import live_server
from tests.live_client import Visitor, open_report, submit_report
from tests.scratch_backend import scratch_postgres

DESCRIPTION = "En klient hotade mig efter ett beslut om försörjningsstöd och sa att han vet var jag bor. " * 3
CODES = 6  # reports sent to each app first, whose codes the log-ins use
WARMUP_ROUNDS = 3
APPS = ("portal", "floor")
OPERATIONS = ("code log-in", "submission")


def bench_config(instance: Path, database_url: str = "", redis_url: str = "", prefix: str = "") -> Config:
    """Production argon2id (the defaults); limits lifted: every request comes from one address."""
    return Config(
        secret_key=secrets.token_hex(32),
        instance_path=instance,
        database_url=database_url,
        redis_url=redis_url,
        redis_prefix=prefix or "portal",
        limit_default=UNLIMITED,
        limit_code_login=UNLIMITED,
        limit_report_submit=UNLIMITED,
    )


def _seed_admin(config: Config) -> None:
    """An admin, so that the organisation key exists and reports can be sealed."""
    app = create_app(config)
    with Session(app.extensions["portal.engine"]) as db:
        accounts.create_user(db, "bench-admin", Role.ADMIN, PASSWORD, config)
        db.commit()
    dispose(app)


def _post_seconds(base_url: str, flow: Callable[[Visitor], object]) -> float:
    """Run a visitor flow (form, POST, next page) on fresh cookies; the time of its one POST."""
    posts: list[float] = []
    visitor = Visitor(
        base_url, lambda method, _path, _status, seconds: posts.append(seconds) if method == "POST" else None
    )
    flow(visitor)
    assert len(posts) == 1, posts
    return posts[0]


def _log_in(visitor: Visitor, code: str) -> str:
    return open_report(visitor, code)


def _argon2id_seconds(config: Config) -> float:
    cost, salt = installation.kdf_cost(config), os.urandom(16)
    started = time.perf_counter()
    codes.derive(codes.normalize(codes.generate()), salt, cost)
    return time.perf_counter() - started


def quartiles(values: list[float]) -> tuple[float, float, float]:
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, median, q3


def measure(config: Config, logs: Path, rounds: int, workers: int) -> dict[str, list[float]]:
    """Samples (seconds) per '<app> <operation>', 'argon2id', and 'ratio <operation>' per round."""
    live_server.migrate(config)
    _seed_admin(config)
    with (
        live_server.start(config, logs / "portal.log", workers=workers, migrate_first=False) as portal,
        live_server.start(
            config,
            logs / "floor.log",
            workers=workers,
            migrate_first=False,
            wsgi_target="bench.floor_app:app",
        ) as floor,
    ):
        urls = {"portal": portal.base_url, "floor": floor.base_url}
        known = {
            name: [submit_report(Visitor(url), DESCRIPTION) for _ in range(CODES)]
            for name, url in urls.items()
        }
        samples: dict[str, list[float]] = {}
        for n in range(WARMUP_ROUNDS + rounds):
            order = APPS if n % 2 == 0 else APPS[::-1]
            taken: dict[str, float] = {}
            for name in order:
                code = known[name][n % CODES]
                taken[f"{name} code log-in"] = _post_seconds(
                    urls[name], functools.partial(_log_in, code=code)
                )
                taken[f"{name} submission"] = _post_seconds(
                    urls[name], lambda v: submit_report(v, DESCRIPTION)
                )
            taken["argon2id"] = _argon2id_seconds(config)
            if n < WARMUP_ROUNDS:
                continue
            for key, value in taken.items():
                samples.setdefault(key, []).append(value)
            for operation in OPERATIONS:
                ratio = taken[f"portal {operation}"] / taken[f"floor {operation}"]
                samples.setdefault(f"ratio {operation}", []).append(ratio)
    return samples


def print_figures(label: str, samples: dict[str, list[float]]) -> None:
    argon = statistics.median(samples["argon2id"])
    q1, med, q3 = quartiles(samples["argon2id"])
    print(
        f"\n{label}: {len(samples['argon2id'])} rounds; bare argon2id here {med * 1000:.1f} ms ({q1 * 1000:.1f}–{q3 * 1000:.1f})"
    )
    print(
        f"{'operation':<14} {'portal ms (q1–q3)':>22} {'floor ms (q1–q3)':>22} {'portal/floor (q1–q3)':>22} {'portal/argon2id':>16}"
    )
    for operation in OPERATIONS:
        p, f, r = (
            quartiles(samples[key])
            for key in (f"portal {operation}", f"floor {operation}", f"ratio {operation}")
        )
        print(
            f"{operation:<14} {p[1] * 1000:>8.1f} ({p[0] * 1000:.1f}–{p[2] * 1000:.1f}) "
            f"{f[1] * 1000:>9.1f} ({f[0] * 1000:.1f}–{f[2] * 1000:.1f}) "
            f"{r[1]:>10.3f} ({r[0]:.3f}–{r[2]:.3f}) {p[1] / argon:>12.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=41)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers of each app")
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    print(f"load average before: {[round(x, 2) for x in os.getloadavg()]} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        config = bench_config(Path(tmp) / "instance")
        print_figures("SQLite", measure(config, Path(tmp), args.rounds, args.workers))
    if args.sqlite_only:
        return
    if not postgres_reachable(PG_URL):
        print(f"\nPostgreSQL: skipped, {PG_URL} does not answer")
        return
    with scratch_postgres(PG_URL, REDIS_URL, label="floor") as scratch, tempfile.TemporaryDirectory() as tmp:
        config = bench_config(Path(tmp) / "instance", scratch.database_url, REDIS_URL, scratch.redis_prefix)
        print_figures("PostgreSQL + Redis", measure(config, Path(tmp), args.rounds, args.workers))
    print(f"load average after: {[round(x, 2) for x in os.getloadavg()]}")


if __name__ == "__main__":
    main()
