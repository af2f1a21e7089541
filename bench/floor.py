"""Issue 19 item 8: the portal's code log-in and report submission against their floor.

The floor is ``bench/floor_app.py`` (a bare Flask app: a Flask-WTF form, one argon2id, one indexed
lookup or one insert). Both apps are served at once by real gunicorn with ``gunicorn.conf.py``
(one worker each, so that the worker's CPU time during a POST is that POST's), on the same
database, with the production argon2id cost. One client sends, round after round and in
alternating order, a log-in and a submission to each app, and one argon2id is computed here in
between. Each POST is timed on the client (loopback included, the same for both) and by the
worker's CPU time (/proc/<pid>/task/*/schedstat; PostgreSQL's and Redis's CPU is not in it).
Printed per operation: medians with quartiles, and the median of the per-round ratios portal /
floor with their quartiles (the spread); first on SQLite, then on PostgreSQL + Redis (a scratch
schema and key prefix of ``PORTAL_BENCH_DATABASE_URL``).

    .venv/bin/python -m bench.floor [--rounds 41] [--sqlite-only]
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from bench.common import PASSWORD, PG_URL, REDIS_URL, UNLIMITED, postgres_reachable
from bench.procstat import children, cpu_ns
from portal import create_app, dispose, installation
from portal.accounts import service as accounts
from portal.config import Config
from portal.models import Role
from portal.security import codes
from tests import live_server
from tests.csrf import csrf_from
from tests.live_client import Visitor, submit_report
from tests.scratch_backend import scratch_postgres

DESCRIPTION = "En klient hotade mig efter ett beslut om försörjningsstöd och sa att han vet var jag bor. " * 3
CODES = 6  # reports sent to each app first, whose codes the log-ins use
WARMUP_ROUNDS = 3
APPS = ("portal", "floor")
OPERATIONS = ("code log-in", "submission")
REPORT = {"kind": "influence", "category": "threats", "area": "income_support", "description": DESCRIPTION}


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
        limit_report_submit_installation=UNLIMITED,
    )


def _seed_admin(config: Config) -> None:
    """An admin, so that the organisation key exists and reports can be sealed."""
    app = create_app(config)
    with Session(app.extensions["portal.engine"]) as db:
        accounts.create_user(db, "bench-admin", Role.ADMIN, PASSWORD, config)
        db.commit()
    dispose(app)


@dataclass(frozen=True)
class Served:
    base_url: str
    worker: int  # its one worker: the CPU time that worker spends during a POST is the POST's


def _served(server: live_server.LiveServer) -> Served:
    (worker,) = children(server.process.pid)
    return Served(server.base_url, worker)


def _timed_post(served: Served, form_path: str, fields: dict[str, str]) -> tuple[float, float]:
    """The form (fresh cookies), its POST, the page it leads to: the POST's wall time seen by the
    client and the CPU time of the worker meanwhile (the database's and Redis's are not in it)."""
    visitor = Visitor(served.base_url)
    token = csrf_from(visitor.page(form_path))
    cpu_before, started = cpu_ns(served.worker), time.perf_counter()
    answer = visitor.post(form_path, {**fields, "csrf_token": token})
    wall, cpu = time.perf_counter() - started, (cpu_ns(served.worker) - cpu_before) / 1e9
    visitor.expect(answer, "POST", form_path, 303)
    visitor.page(answer.location)
    return wall, cpu


def _argon2id_seconds(config: Config) -> float:
    cost, salt = installation.kdf_cost(config), os.urandom(16)
    started = time.perf_counter()
    codes.derive(codes.normalize(codes.generate()), salt, cost)
    return time.perf_counter() - started


def quartiles(values: list[float]) -> tuple[float, float, float]:
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, median, q3


def measure(config: Config, logs: Path, rounds: int) -> dict[str, list[float]]:
    """Samples (seconds) per '<app> <operation>', 'argon2id', and 'ratio <operation>' per round."""
    live_server.migrate(config)
    _seed_admin(config)
    with (
        live_server.start(config, logs / "portal.log", workers=1, migrate_first=False) as portal,
        live_server.start(
            config,
            logs / "floor.log",
            workers=1,
            migrate_first=False,
            wsgi_target="bench.floor_app:app",
        ) as floor,
    ):
        apps = {"portal": _served(portal), "floor": _served(floor)}
        known = {
            name: [submit_report(Visitor(app.base_url), DESCRIPTION) for _ in range(CODES)]
            for name, app in apps.items()
        }
        samples: dict[str, list[float]] = {}
        for n in range(WARMUP_ROUNDS + rounds):
            order = APPS if n % 2 == 0 else APPS[::-1]
            taken: dict[str, float] = {}
            for name in order:
                posts = {
                    "code log-in": ("/followup", {"code": known[name][n % CODES]}),
                    "submission": ("/report", REPORT),
                }
                for operation, (path, fields) in posts.items():
                    wall, cpu = _timed_post(apps[name], path, fields)
                    taken[f"{name} {operation}"], taken[f"{name} cpu {operation}"] = wall, cpu
            taken["argon2id"] = _argon2id_seconds(config)
            if n < WARMUP_ROUNDS:
                continue
            for key, value in taken.items():
                samples.setdefault(key, []).append(value)
            for operation in OPERATIONS:
                for kind in ("", "cpu "):
                    ratio = taken[f"portal {kind}{operation}"] / taken[f"floor {kind}{operation}"]
                    samples.setdefault(f"ratio {kind}{operation}", []).append(ratio)
    return samples


def print_figures(label: str, samples: dict[str, list[float]]) -> None:
    q1, argon, q3 = quartiles(samples["argon2id"])
    print(
        f"\n{label}: {len(samples['argon2id'])} rounds; one argon2id in this process {argon * 1000:.1f} ms ({q1 * 1000:.1f}–{q3 * 1000:.1f})"
    )
    print(
        f"{'medians (q1–q3)':<34} {'portal ms':>20} {'floor ms':>20} {'portal/floor':>20} {'portal/argon2id':>16}"
    )
    for kind, title in (("", "wall, client"), ("cpu ", "CPU of the worker")):
        for operation in OPERATIONS:
            p, f, r = (quartiles(samples[f"{app} {kind}{operation}"]) for app in ("portal", "floor", "ratio"))
            print(
                f"{operation + ', ' + title:<34} {_ms(p):>20} {_ms(f):>20} "
                f"{f'{r[1]:.3f} ({r[0]:.3f}–{r[2]:.3f})':>20} {p[1] / argon:>16.2f}"
            )


def _ms(q: tuple[float, float, float]) -> str:
    return f"{q[1] * 1000:.1f} ({q[0] * 1000:.1f}–{q[2] * 1000:.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=41)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    print(f"load average before: {[round(x, 2) for x in os.getloadavg()]} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        config = bench_config(Path(tmp) / "instance")
        print_figures("SQLite", measure(config, Path(tmp), args.rounds))
    if args.sqlite_only:
        return
    if not postgres_reachable(PG_URL):
        print(f"\nPostgreSQL: skipped, {PG_URL} does not answer")
        return
    with scratch_postgres(PG_URL, REDIS_URL, label="floor") as scratch, tempfile.TemporaryDirectory() as tmp:
        config = bench_config(Path(tmp) / "instance", scratch.database_url, REDIS_URL, scratch.redis_prefix)
        print_figures("PostgreSQL + Redis", measure(config, Path(tmp), args.rounds))
    print(f"load average after: {[round(x, 2) for x in os.getloadavg()]}")


if __name__ == "__main__":
    main()
