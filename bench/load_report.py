"""What ``bench.load`` measured: the table, the targets met or missed, the CPU budget, the JSON."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import loadgen
from bench.loadgen import ClassFigures
from bench.procstat import WorkerFigures

TARGET_P95_MS = 50.0  # every request but the argon2id ones
TARGET_RSS_MIB = 120.0  # per worker: the "120 MB", read as MiB like ps and top
ROW = "{:<16} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>7}"


@dataclass(frozen=True)
class Results:
    mixed: dict[str, ClassFigures]
    flows: dict[str, int]
    failed_flows: dict[str, int]
    failures: list[str]
    workers: WorkerFigures
    client_cpu_seconds: float
    landing_portal: ClassFigures
    landing_bare: ClassFigures
    bare_workers: WorkerFigures


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 2) if b else None


def verdicts(results: Results) -> dict[str, Any]:
    errors = results.mixed[loadgen.ALL].errors + sum(results.failed_flows.values())
    p95 = results.mixed[loadgen.NON_ARGON2].p95_ms
    portal, bare = results.landing_portal, results.landing_bare
    return {
        "errors": errors,
        "errors_ok": errors == 0,
        "non_argon2_p95_ms": round(p95, 1),
        "non_argon2_p95_ok": p95 < TARGET_P95_MS,
        "worker_peak_rss_mib": round(results.workers.rss_peak_mib, 1),
        "worker_rss_ok": results.workers.rss_peak_mib < TARGET_RSS_MIB,
        "landing_p50_ratio_portal_to_bare": _ratio(portal.p50_ms, bare.p50_ms),
        "landing_throughput_ratio_bare_to_portal": _ratio(bare.per_second, portal.per_second),
    }


def cpu_budget(results: Results, argon2id_ms: float) -> dict[str, Any]:
    """Where the CPU went: the workers' (one argon2id per submission and per code log-in, and the
    rest), the load clients', and everything else on the machine (PostgreSQL, Redis, other users)."""
    argon2_calls = sum(
        results.mixed[name].requests for name in loadgen.ARGON2_CLASSES if name in results.mixed
    )
    other_requests = results.mixed[loadgen.NON_ARGON2].requests
    spent = results.workers.cpu_seconds
    argon2_seconds = argon2_calls * argon2id_ms / 1000
    machine = results.workers.machine_busy_cpu_seconds
    return {
        "machine_cpu_seconds": round(results.workers.machine_cpu_seconds, 1),
        "machine_busy_cpu_seconds": round(machine, 1),
        "client_cpu_seconds": round(results.client_cpu_seconds, 1),
        "rest_of_machine_cpu_seconds": round(machine - spent - results.client_cpu_seconds, 1),
        "worker_cpu_seconds": round(spent, 1),
        "argon2id_calls": argon2_calls,
        "argon2id_cpu_seconds": round(argon2_seconds, 1),
        "argon2id_share": round(argon2_seconds / spent, 2) if spent else None,
        "other_cpu_ms_per_request": round((spent - argon2_seconds) * 1000 / other_requests, 1)
        if other_requests
        else None,
    }


def print_table(mixed: dict[str, ClassFigures]) -> None:
    print(ROW.format("class", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors"))
    for label, f in mixed.items():
        print(
            ROW.format(
                label,
                f.requests,
                f"{f.per_second:.1f}",
                f"{f.p50_ms:.1f}",
                f"{f.p95_ms:.1f}",
                f"{f.p99_ms:.1f}",
                f"{f.max_ms:.1f}",
                f.errors,
            )
        )


def _met(flag: bool) -> str:
    return "met" if flag else "MISSED"


def print_summary(
    results: Results, verdict: dict[str, Any], budget: dict[str, Any], conditions: dict[str, Any]
) -> None:
    w, portal, bare = results.workers, results.landing_portal, results.landing_bare
    argon2 = conditions["argon2id"]
    print(f"\nflows: {results.flows}  failed flows: {results.failed_flows or 0}")
    for failure in results.failures:
        print("  failure:", failure)
    print(f"errors (failed requests and flows): {verdict['errors']}  target 0: {_met(verdict['errors_ok'])}")
    print(
        f"p95 of every request but the argon2id ones: {verdict['non_argon2_p95_ms']} ms  "
        f"target < {TARGET_P95_MS:.0f} ms: {_met(verdict['non_argon2_p95_ok'])}"
    )
    print(
        f"worker RSS: peak {w.rss_peak_mib:.1f} MiB (median of peaks {w.rss_median_peak_mib:.1f}, PSS peak "
        f"{w.pss_peak_mib:.1f}) over {w.workers_seen} worker processes; master {w.master_rss_peak_mib:.1f} MiB"
        f"  target < {TARGET_RSS_MIB:.0f} MiB: {_met(verdict['worker_rss_ok'])}"
    )
    print(
        f"CPU: workers spent {budget['worker_cpu_seconds']} s; {budget['argon2id_calls']} argon2id "
        f"(m={argon2['memory_kib']} KiB, t={argon2['time_cost']}, p={argon2['parallelism']}: "
        f"{argon2['cpu_ms']} ms each) = {budget['argon2id_cpu_seconds']} s, share {budget['argon2id_share']}; "
        f"everything else {budget['other_cpu_ms_per_request']} ms per request"
    )
    print(
        f"machine: {budget['machine_busy_cpu_seconds']} of {budget['machine_cpu_seconds']} CPU-seconds busy: "
        f"workers {budget['worker_cpu_seconds']}, load clients {budget['client_cpu_seconds']}, the rest "
        f"(PostgreSQL, Redis, gunicorn master, other users) {budget['rest_of_machine_cpu_seconds']}"
    )
    print(
        f"landing page alone, {conditions['compare_seconds']:.0f} s each, {conditions['clients']} clients: "
        f"portal {portal.per_second:.1f} req/s p50 {portal.p50_ms:.1f} ms p95 {portal.p95_ms:.1f} ms; "
        f"bare Flask {bare.per_second:.1f} req/s p50 {bare.p50_ms:.1f} ms p95 {bare.p95_ms:.1f} ms "
        f"(its workers: RSS peak {results.bare_workers.rss_peak_mib:.1f} MiB)"
    )
    print(
        f"ratio: portal p50 / bare p50 = {verdict['landing_p50_ratio_portal_to_bare']}; "
        f"bare req/s / portal req/s = {verdict['landing_throughput_ratio_bare_to_portal']}"
    )
    limits = ", ".join(f"{name}={value!r}" for name, value in conditions["raised_limits"].items())
    print(f"rate limits raised for the bench (all load comes from one address): {limits}")
    print(
        f"load average before {conditions['load_average_before']}, after {conditions['load_average_after']} "
        f"on {conditions['cpus']} CPUs shared by clients, server, PostgreSQL and Redis"
    )


def report(results: Results, conditions: dict[str, Any], json_path: Path | None) -> None:
    verdict = verdicts(results)
    budget = cpu_budget(results, conditions["argon2id"]["cpu_ms"])
    print_table(results.mixed)
    print_summary(results, verdict, budget, conditions)
    if json_path is not None:
        document = {
            "conditions": conditions,
            "verdict": verdict,
            "cpu_budget": budget,
            **dataclasses.asdict(results),
        }
        json_path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        print(f"figures written to {json_path}")
