"""Statistics benchmark: ``/moderation/stats``, ``/moderation/stats/handling`` and their CSVs at 100 000
reports (target: median < 200 ms).

Seeds once per database (a temporary SQLite file; PostgreSQL too when PORTAL_BENCH_DATABASE_URL is
set), then takes the median server time (WSGI in to WSGI out) of N requests of each page, after two
warm-up requests. The CSV request includes writing its audit event.

The count reads (created_on, kind, category, area) of every report in the range; migration 0006's
covering index ``ix_reports_created_on_stats`` makes that an index-only scan instead of one table
lookup per report (without it SQLite took ~415 ms for the default page, with it ~114 ms).

    .venv/bin/python -m bench.stats [--reports 100000] [--runs 21]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from bench.common import ServerTimer, make_app
from bench.queue import logged_in_client
from portal import dispose
from portal.devseed import seed_reports
from portal.domain import today
from portal.moderation.stats.service import add_months, month_start

TARGET_MS = 200


def pages() -> list[tuple[str, str]]:
    """(name, url): the default page, the widest table allowed, every report by quarter, the CSV."""
    last = add_months(month_start(today()), -1)
    widest = f"date_from={add_months(last, -35):%Y-%m}&date_to={last:%Y-%m}"
    return [
        ("page, last 12 months", "/moderation/stats"),
        ("page, 36 months", f"/moderation/stats?{widest}"),
        ("page, 12 quarters", f"/moderation/stats?period=quarter&{widest}"),
        ("CSV, last 12 months", "/moderation/stats.csv"),
        ("handling, last 12 months", "/moderation/stats/handling"),
        ("handling, 36 months", f"/moderation/stats/handling?{widest}"),
        ("handling, 12 quarters", f"/moderation/stats/handling?period=quarter&{widest}"),
        ("handling CSV, last 12 months", "/moderation/stats/handling.csv"),
    ]


def medians(app: Flask, client: FlaskClient, timer: ServerTimer, runs: int) -> dict[str, float]:
    results = {}
    for name, url in pages():
        samples = []
        for _ in range(runs + 2):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            samples.append(timer.last)
        results[name] = statistics.median(samples[2:]) * 1000
    return results


def analyze(app: Flask) -> None:
    """Fresh statistics for the planner; PostgreSQL's index-only scans also need the visibility map."""
    engine = app.extensions["portal.engine"]
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE reports" if engine.dialect.name == "postgresql" else "ANALYZE"))


def measure(database_url: str, reports: int, runs: int) -> dict[str, float]:
    app = make_app(database_url=database_url)
    started = time.perf_counter()
    with Session(app.extensions["portal.engine"]) as db:
        seed_reports(db, reports, production=False)
        db.commit()
    print(f"  seeded {reports} reports in {time.perf_counter() - started:.1f} s")
    analyze(app)
    results = medians(app, logged_in_client(app), ServerTimer(app), runs)
    dispose(app)
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    backends = [("SQLite", "")]
    if os.environ.get("PORTAL_BENCH_DATABASE_URL"):
        backends.append(("PostgreSQL", os.environ["PORTAL_BENCH_DATABASE_URL"]))
    for backend, url in backends:
        print(f"{backend}, {args.reports} reports, median of {args.runs}:")
        for name, ms in measure(url, args.reports, args.runs).items():
            verdict = "ok" if ms < TARGET_MS else "MISSED"
            print(f"  {name}: {ms:.1f} ms (target < {TARGET_MS} ms: {verdict})")


if __name__ == "__main__":
    main()
