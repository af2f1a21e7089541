"""Key rotation benchmark: ``flask --app wsgi keys rotate`` over 10 000 reports with messages.

Seeds a temporary SQLite file, and a scratch PostgreSQL schema when the server answers
(``PORTAL_BENCH_DATABASE_URL``, default the test database), with ``--reports`` reports of
``--messages`` messages each and ``--moderators`` granted moderators (a case key each per report), then
runs the real command ``--runs`` times (each run with the recovery key the previous one printed)
and prints the wall time of each, and how much of it went to cleaning the old wraps out of the
database's files after the commits (``portal.scrub``: SQLite's WAL checkpoint, PostgreSQL's
VACUUM of organisations, reports, users and server_sessions). The whole command is one transaction, so its time is also how
long a report sent meanwhile waits (the organisation row is locked throughout).

    .venv/bin/python -m bench.rotate [--reports 10000] [--messages 2] [--moderators 10] [--runs 3]
"""

from __future__ import annotations

import argparse
import re
import statistics
import time

from flask import Flask
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from bench.common import PASSWORD, make_app, on_postgres, seed_messages
from portal import dispose
from portal.accounts import grants
from portal.accounts import service as accounts
from portal.cases import access_jobs
from portal.devseed import seed_reports
from portal.models import Report, Role
from portal.organisations import only as only_organisation
from portal.security import crypto

SHOWN_ONCE = re.compile(r"^Recovery key: (\S+)$", re.M)


def seed(app: Flask, reports: int, messages: int, moderators: int) -> str:
    """Reports, messages and granted moderators; returns a recovery key that opens the org key."""
    config = app.config["PORTAL"]
    with app.app_context(), Session(app.extensions["portal.engine"]) as db:
        admin = accounts.find(db, "bench-admin")
        org_private = accounts.open_org_key(admin, PASSWORD, config)
        # make_app does not keep the recovery key it was shown: wrap the key under a known one.
        recovery = crypto.new_key()
        only_organisation(db).private_key_recovery = crypto.wrap(recovery, org_private)
        for n in range(moderators):
            user = accounts.create_user(db, f"bench-mod-{n}", Role.MODERATOR, PASSWORD, config).user
            grants.grant(db, user, org_private, admin)
        seed_reports(db, reports, production=False)
        body = crypto.wrap(crypto.new_key(), b"x" * 400)  # a message of about 400 characters
        ids = list(db.scalars(select(Report.id)))
        seed_messages(db, ids, messages, body)
        db.commit()
    access_jobs.wait()  # the moderators' case keys, sealed after the commit
    return crypto.format_recovery_key(recovery)


class ScrubTimer:
    """Stands in for the clean-up listener and adds up the time it takes (seconds)."""

    def __init__(self, app: Flask) -> None:
        self.cleaner = app.extensions["portal.scrub"]
        self.sessions = app.extensions["portal.sessionmaker"]
        self.seconds = 0.0
        event.remove(self.sessions, "after_commit", self.cleaner.committed)
        event.listen(self.sessions, "after_commit", self.committed)

    def committed(self, session: Session) -> None:
        started = time.perf_counter()
        self.cleaner.committed(session)
        self.seconds += time.perf_counter() - started


def rotations(app: Flask, recovery_key: str, runs: int) -> list[float]:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        result = app.test_cli_runner().invoke(args=["keys", "rotate"], input=recovery_key + "\n")
        seconds.append(time.perf_counter() - started)
        assert result.exit_code == 0, result.output
        recovery_key = SHOWN_ONCE.findall(result.stdout)[0]
    return seconds


def measure(label: str, database_url: str, args: argparse.Namespace) -> None:
    app = make_app(database_url=database_url)
    started = time.perf_counter()
    recovery_key = seed(app, args.reports, args.messages, args.moderators)
    print(
        f"{label}: seeded {args.reports} reports, {args.reports * args.messages} messages, "
        f"{args.moderators + 1} key holders in {time.perf_counter() - started:.1f} s"
    )
    timer = ScrubTimer(app)
    seconds = rotations(app, recovery_key, args.runs)
    runs = ", ".join(f"{s:.2f}" for s in seconds)
    print(f"{label}: keys rotate took {runs} s (median {statistics.median(seconds):.2f} s, one transaction)")
    print(f"{label}: of which cleaning the files after the commits: {timer.seconds / args.runs:.2f} s a run")
    dispose(app)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=2)
    parser.add_argument("--moderators", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    measure("SQLite", "", args)
    on_postgres("rot", lambda url: measure("PostgreSQL", url, args))


if __name__ == "__main__":
    main()
