"""A mail server that is down or stalls: what it costs a notice run, and what it costs a reporter.

1. ``flask notify send`` as its own process (as the timer runs it), with
   ``PORTAL_SMTP_TIMEOUT_SECONDS=--step``, against two mail server processes of
   ``tests/faults/smtp_server.py``: aiosmtpd that delivers, and one that takes each mail and never
   answers its end (``stall-after-data``), for ``--few`` and for ``--many`` moderators with a
   notice address. Each step waits at most ``--step`` seconds; before the run's bound a stalling
   server cost a step per moderator, now a run ends after three steps whatever their number:
   the claim is the ratio many / few against the stalling server (target <= 1.2).
2. The server time of a report ``POST /report`` while ``PORTAL_SMTP_HOST`` points at a silent
   (black-holed) server, paired with the same POST while notices are off: no request talks to
   the mail server, so the ratio is 1 (target <= 1.1), and the silent server counts no connection.

    .venv/bin/python -m bench.notify [--few 3] [--many 12] [--step 1] [--runs 3] [--posts 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from flask import Flask
from sqlalchemy import delete
from sqlalchemy.orm import Session

from bench.common import PASSWORD, ServerTimer, make_app, paired_medians
from portal import dispose
from portal.accounts import service as accounts
from portal.config import Config
from portal.devseed import seed_reports
from portal.models import Role
from portal.notify.models import NotifyState
from tests.csrf import get_csrf
from tests.faults.smtp_server import SmtpServer, running
from tests.live_server import ROOT, environment

SMTP = {"smtp_host": "127.0.0.1", "smtp_starttls": False, "smtp_from": "portal@example.org"}


def with_moderators(app: Flask, count: int) -> None:
    config = app.config["PORTAL"]
    with Session(app.extensions["portal.engine"]) as db:
        admin = accounts.find(db, "bench-admin")
        for n in range(count):
            user = (
                admin
                if n == 0
                else accounts.create_user(db, f"mod-{n}", Role.MODERATOR, PASSWORD, config).user
            )
            accounts.set_notify_email(db, user, f"mod-{n}@example.org", admin)
        seed_reports(db, 1, production=False)  # something to announce
        db.commit()


def notify_run(app: Flask, server: SmtpServer, step: int) -> float:
    """Seconds of one ``flask notify send`` process, with the news pending again before it."""
    with Session(app.extensions["portal.engine"]) as db:
        db.execute(delete(NotifyState))
        db.commit()
    config: Config = app.config["PORTAL"].replace(**SMTP, smtp_port=server.port, smtp_timeout_seconds=step)
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "notify", "send"],
        cwd=ROOT,
        env=environment(config),
        capture_output=True,
        timeout=60 + 3 * step,
    )
    return time.perf_counter() - began


def notify_runs(counts: tuple[int, int], step: int, runs: int) -> dict[tuple[str, int], float]:
    medians = {}
    for count in counts:
        app = make_app(argon2_memory_kib=8, argon2_time_cost=1)  # accounts only: the KDF is not measured
        with_moderators(app, count)
        for mode in ("deliver", "stall-after-data"):
            with running(mode, Path(tempfile.mkdtemp(prefix="bench-smtp-"))) as server:
                medians[(mode, count)] = statistics.median(notify_run(app, server, step) for _ in range(runs))
        dispose(app)
    return medians


def report_posts(posts: int) -> tuple[float, float, int]:
    """Median server seconds of a report POST with notices off and with a black-holed server."""
    app = make_app()
    timer = ServerTimer(app)
    client = app.test_client()
    off = app.config["PORTAL"]
    with running("silent", Path(tempfile.mkdtemp(prefix="bench-smtp-"))) as silent:
        black_holed = off.replace(**SMTP, smtp_port=silent.port)

        def post(config: Config) -> float:
            app.config["PORTAL"] = config
            data = {"kind": "influence", "category": "threats", "description": "Det hände igen i dag."}
            response = client.post("/report", data={**data, "csrf_token": get_csrf(client, "/report")})
            assert response.status_code == 303, response.status_code
            return timer.last

        without, with_silent = paired_medians(lambda: post(off), lambda: post(black_holed), posts)
        connections = silent.connections()
    dispose(app)
    return without, with_silent, connections


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--few", type=int, default=3)
    parser.add_argument("--many", type=int, default=12)
    parser.add_argument("--step", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--posts", type=int, default=15)
    args = parser.parse_args()
    medians = notify_runs((args.few, args.many), args.step, args.runs)
    for mode in ("deliver", "stall-after-data"):
        few, many = medians[(mode, args.few)], medians[(mode, args.many)]
        print(
            f"notify send, {mode:<16}: {args.few:>2} moderators {few:.2f} s, {args.many:>2} moderators "
            f"{many:.2f} s, ratio {many / few:.2f}"
        )
    print(f"  (step time-out {args.step} s; unbounded, the stalling server would cost {args.many} steps)")
    without, with_silent, connections = report_posts(args.posts)
    print(
        f"report POST: notices off {without * 1000:.1f} ms, mail server black-holed "
        f"{with_silent * 1000:.1f} ms, ratio {with_silent / without:.2f}; "
        f"connections to the mail server: {connections}"
    )


if __name__ == "__main__":
    main()
