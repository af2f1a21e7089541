"""Closed-loop load from client processes: each client runs visitor flows back to back.

A *flow* is what one visitor does: read the landing page, browse the forum (index, a board, a
thread), send a report (form, POST, receipt) or log in with a code (form, POST, case page). Each
flow starts with fresh cookies. Every request is timed on the client and filed under a class;
requests that start after the deadline are not counted. Clients are processes, not threads, so
that the Python client is not the bottleneck (one GIL per client).
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from tests.live_client import CONNECTION_ERRORS, UnexpectedAnswer, Visitor, open_report, submit_report

LANDING, FORUM, PAGE, SUBMIT, LOGIN = "landing", "forum read", "reporter page", "report submit", "code log-in"
CLASSES = (LANDING, FORUM, PAGE, SUBMIT, LOGIN)
ARGON2_CLASSES = frozenset({SUBMIT, LOGIN})  # one argon2id each at the production cost
NON_ARGON2, ALL = "all but argon2", "all"
DESCRIPTION = "En klient hotade mig efter ett beslut om försörjningsstöd och sa att han vet var jag bor. " * 3
START_MARGIN_SECONDS = 0.3  # lets every client process reach the starting line
KEPT_FAILURES = 5  # failure messages kept per client, for the report


def request_class(method: str, path: str) -> str:
    if path == "/":
        return LANDING
    if path.startswith("/forum"):
        return FORUM
    if method == "POST" and path == "/report":
        return SUBMIT
    if method == "POST" and path == "/followup":
        return LOGIN
    return PAGE


@dataclass(frozen=True)
class Plan:
    base_url: str
    start_at: float  # wall clock (time.time()), shared by every client process
    seconds: float
    mix: tuple[tuple[str, int], ...]  # (flow, weight)
    codes: tuple[str, ...]  # codes of existing reports, for log-ins
    boards: tuple[str, ...]  # forum paths
    threads: tuple[str, ...]
    seed: int

    @property
    def deadline(self) -> float:
        return self.start_at + self.seconds


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {name: [] for name in CLASSES})
    errors: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CLASSES, 0))
    flows: dict[str, int] = field(default_factory=dict)
    failed_flows: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    cpu_seconds: float = 0.0  # the client processes' own CPU time

    def merge(self, other: Tally) -> None:
        for name in CLASSES:
            self.latencies[name].extend(other.latencies[name])
            self.errors[name] += other.errors[name]
        for flow, count in other.flows.items():
            self.flows[flow] = self.flows.get(flow, 0) + count
        for flow, count in other.failed_flows.items():
            self.failed_flows[flow] = self.failed_flows.get(flow, 0) + count
        self.failures.extend(other.failures)
        self.cpu_seconds += other.cpu_seconds


def _landing(visitor: Visitor, plan: Plan, rng: random.Random) -> None:
    visitor.page("/")


def _forum(visitor: Visitor, plan: Plan, rng: random.Random) -> None:
    visitor.page("/forum/")
    visitor.page(rng.choice(plan.boards))
    visitor.page(rng.choice(plan.threads))


def _submit(visitor: Visitor, plan: Plan, rng: random.Random) -> None:
    submit_report(visitor, DESCRIPTION)


def _login(visitor: Visitor, plan: Plan, rng: random.Random) -> None:
    open_report(visitor, rng.choice(plan.codes))


FLOWS: dict[str, Callable[[Visitor, Plan, random.Random], None]] = {
    "landing": _landing,
    "forum": _forum,
    "submit": _submit,
    "login": _login,
}


def run_client(plan: Plan) -> Tally:
    """One client: flows back to back until the deadline (a flow under way is finished)."""
    rng = random.Random(plan.seed)
    tally = Tally()
    cpu_before = time.process_time()
    names = [name for name, _ in plan.mix]
    weights = [weight for _, weight in plan.mix]

    def record(method: str, path: str, status: int, seconds: float) -> None:
        if time.time() - seconds >= plan.deadline:
            return
        name = request_class(method, path)
        tally.latencies[name].append(seconds)
        if status == 0 or status >= 400:
            tally.errors[name] += 1

    time.sleep(max(0.0, plan.start_at - time.time()))
    while time.time() < plan.deadline:
        flow = rng.choices(names, weights)[0]
        tally.flows[flow] = tally.flows.get(flow, 0) + 1
        try:
            FLOWS[flow](Visitor(plan.base_url, record), plan, rng)
        except (UnexpectedAnswer, *CONNECTION_ERRORS) as failure:
            tally.failed_flows[flow] = tally.failed_flows.get(flow, 0) + 1
            if len(tally.failures) < KEPT_FAILURES:
                tally.failures.append(f"{flow}: {failure!r}")
    tally.cpu_seconds = time.process_time() - cpu_before
    return tally


def _ready(_: int) -> None:
    """Nothing: makes the pool start (and import) every client before the clock starts."""


def run(template: Plan, clients: int) -> Tally:
    """``clients`` processes running ``template`` (its start time and seed replaced) at once."""
    context = multiprocessing.get_context("fork")
    with context.Pool(clients) as pool:
        pool.map(_ready, range(clients), chunksize=1)
        start_at = time.time() + START_MARGIN_SECONDS
        plans = [
            dataclasses.replace(template, start_at=start_at, seed=template.seed + n) for n in range(clients)
        ]
        tallies = pool.map(run_client, plans, chunksize=1)
    total = Tally()
    for tally in tallies:
        total.merge(tally)
    return total


def percentile(values: Iterable[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of seconds, in milliseconds; 0 for no values."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1] * 1000


@dataclass(frozen=True)
class ClassFigures:
    requests: int
    per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    errors: int


def figures(latencies: list[float], errors: int, seconds: float) -> ClassFigures:
    return ClassFigures(
        requests=len(latencies),
        per_second=len(latencies) / seconds,
        p50_ms=percentile(latencies, 50),
        p95_ms=percentile(latencies, 95),
        p99_ms=percentile(latencies, 99),
        max_ms=percentile(latencies, 100),
        errors=errors,
    )


def summarize(tally: Tally, seconds: float) -> dict[str, ClassFigures]:
    """Figures per class, plus every request but the argon2id ones, plus all of them."""
    groups = {name: [name] for name in CLASSES if tally.latencies[name]}
    groups[NON_ARGON2] = [name for name in CLASSES if name not in ARGON2_CLASSES]
    groups[ALL] = list(CLASSES)
    result = {}
    for label, members in groups.items():
        latencies = [value for name in members for value in tally.latencies[name]]
        errors = sum(tally.errors[name] for name in members)
        result[label] = figures(latencies, errors, seconds)
    return result
