"""Issue 19 item 9: memory per gunicorn worker with ``preload_app`` off and on, in one run.

The portal is served by real gunicorn (``gunicorn.conf.py``, 4 sync workers) on PostgreSQL +
Redis (a scratch schema and key prefix of ``PORTAL_BENCH_DATABASE_URL``; SQLite when it does not
answer), alternately with ``GUNICORN_PRELOAD_APP=0`` and ``=1``. Each time, 4 client processes run
``bench.load``'s mix of visitor flows (a fifth of them code log-ins and a tenth submissions, one
argon2id each at the production cost) for ``--seconds``; then every worker's RSS and PSS are read
from /proc: the memory a worker holds after it has served pages and argon2id. PSS divides the
pages a worker shares (with the master and its siblings) among them, so it is what each costs.

    .venv/bin/python -m bench.memory [--seconds 20] [--rounds 2] [--workers 4]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import tempfile
from pathlib import Path

from bench import loadgen
from bench.common import PG_URL, REDIS_URL, postgres_reachable
from bench.load import MIX, WARMUP_SECONDS, bench_config, seed
from bench.procstat import children, memory_mib
from portal.config import Config
from tests import live_server
from tests.live_client import Visitor, submit_report
from tests.scratch_backend import scratch_postgres

TARGET_PSS_MIB = 80.0  # per worker, after argon2id (issue 19 item 9)
CODES = 8
MODES = (("preload off", "0"), ("preload on", "1"))


@dataclasses.dataclass(frozen=True)
class Sample:
    mode: str
    workers_rss: list[float]
    workers_pss: list[float]
    master_rss: float
    master_pss: float
    flows: int
    failed: int

    @property
    def total_pss(self) -> float:
        return self.master_pss + sum(self.workers_pss)


def one_run(
    config: Config, logs: Path, mode: str, flag: str, plan: loadgen.Plan, args: argparse.Namespace
) -> Sample:
    with live_server.start(
        config,
        logs / f"{flag}.log",
        workers=args.workers,
        migrate_first=False,
        environ={"GUNICORN_PRELOAD_APP": flag},
    ) as server:
        codes = tuple(submit_report(Visitor(server.base_url), loadgen.DESCRIPTION) for _ in range(CODES))
        plan = dataclasses.replace(plan, base_url=server.base_url, codes=codes)
        loadgen.run(dataclasses.replace(plan, seconds=WARMUP_SECONDS), args.clients)
        tally = loadgen.run(dataclasses.replace(plan, seconds=args.seconds), args.clients)
        master = server.process.pid
        workers = [memory_mib(pid) for pid in children(master)]
        master_rss, master_pss = memory_mib(master)
    return Sample(
        mode=mode,
        workers_rss=[rss for rss, _ in workers],
        workers_pss=[pss for _, pss in workers],
        master_rss=master_rss,
        master_pss=master_pss,
        flows=sum(tally.flows.values()),
        failed=sum(tally.failed_flows.values()),
    )


def measure(config: Config, logs: Path, args: argparse.Namespace) -> list[Sample]:
    live_server.migrate(config)
    boards, threads = seed(config, args.reports)
    plan = loadgen.Plan("", 0.0, args.seconds, MIX, (), boards, threads, seed=1)
    samples = []
    for n in range(args.rounds):
        for mode, flag in MODES if n % 2 == 0 else MODES[::-1]:
            samples.append(one_run(config, logs, mode, flag, plan, args))
            print(f"  round {n + 1}, {mode}: done", flush=True)
    return samples


def report(samples: list[Sample]) -> None:
    print(
        f"\n{'mode':<12} {'worker PSS MiB median (min–max)':>34} {'worker RSS median':>18} {'master PSS':>11} {'total PSS':>10} {'flows':>6}"
    )
    for s in samples:
        print(
            f"{s.mode:<12} {statistics.median(s.workers_pss):>16.1f} ({min(s.workers_pss):.1f}–{max(s.workers_pss):.1f})"
            f" {statistics.median(s.workers_rss):>18.1f} {s.master_pss:>11.1f} {s.total_pss:>10.1f} {s.flows:>6}"
            + (f"  {s.failed} failed" if s.failed else "")
        )
    by_mode = {mode: [s for s in samples if s.mode == mode] for mode, _ in MODES}
    off, on = (statistics.median(statistics.median(s.workers_pss) for s in by_mode[m]) for m, _ in MODES)
    off_total, on_total = (statistics.median(s.total_pss for s in by_mode[m]) for m, _ in MODES)
    print(
        f"\nworker PSS, median over runs: off {off:.1f} MiB, on {on:.1f} MiB ({(on / off - 1) * 100:+.0f} %); "
        f"master + workers: off {off_total:.1f}, on {on_total:.1f} ({(on_total / off_total - 1) * 100:+.0f} %)"
    )
    print(
        f"target: under {TARGET_PSS_MIB:.0f} MiB PSS per worker after argon2id: {'met' if on < TARGET_PSS_MIB else 'MISSED'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="mixed load per run")
    parser.add_argument("--rounds", type=int, default=2, help="each round runs both modes")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--reports", type=int, default=1000, help="synthetic reports seeded first")
    args = parser.parse_args()
    print(f"load average before: {[round(x, 2) for x in os.getloadavg()]} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        if postgres_reachable(PG_URL):
            with scratch_postgres(PG_URL, REDIS_URL, label="memory") as scratch:
                config = bench_config(scratch.database_url, scratch.redis_prefix, Path(tmp) / "instance")
                samples = measure(config, Path(tmp), args)
        else:
            print(f"PostgreSQL: {PG_URL} does not answer; SQLite, no Redis")
            config = dataclasses.replace(bench_config("", "portal", Path(tmp) / "instance"), redis_url="")
            samples = measure(config, Path(tmp), args)
    report(samples)
    print(f"load average after: {[round(x, 2) for x in os.getloadavg()]}")


if __name__ == "__main__":
    main()
