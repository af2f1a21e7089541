"""Issues 4 and 19 benchmark: the case queue at 100 000 reports against 100, in one run.

Server time of ``GET /moderation/cases`` for the default page (most urgent first), category +
newest first, overdue and one moderator's cases, median of N, and the number of SQL statements
per page (must not grow with the data), on SQLite and on PostgreSQL (a scratch schema of
``PORTAL_BENCH_DATABASE_URL``, default the local ``test`` database) when it answers. The seeded
reports carry due dates and assignees, and the tables are analysed after seeding, as autovacuum
would, so that the planner sees the data it will see in production.

Every filtered page is full at both sizes, so that the two sizes show the same page: 60 of the
reports are open, overdue, in the category and assigned to the bench moderator (at 100 reports a
random mix would show 9 rows of a category against 50 at 100 000, and the ratio would measure the
rendering of 41 more rows, not the query).

    .venv/bin/python -m bench.queue [--small 100] [--large 100000] [--runs 21]
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
from dataclasses import dataclass, field
from functools import partial

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from bench.common import PASSWORD, ServerTimer, make_app, on_postgres, paired_medians
from portal import dispose
from portal.accounts import grants
from portal.accounts import service as accounts
from portal.cases import access_jobs
from portal.db import new_session
from portal.devseed import seed_reports
from portal.domain import Category, Status, today
from portal.models import Role, User

BENCH_USERS = ("bench-moderator", "bench-admin")
PAGE_FILL = 60  # more than a page (50) match every filter, at every size
PAGES = {
    "default": "/moderation/cases",
    "category + newest": f"/moderation/cases?category={Category.THREATS.value}&sort=newest",
    "overdue": "/moderation/cases?due=overdue",
    "assignee": "/moderation/cases?assignee={moderator}",
}


def create_moderator(app: Flask) -> str:
    """A plain moderator whom the bench admin has granted access: reports seeded afterwards carry
    their case key (``portal.devseed``), as reports sent after a grant do."""
    config = app.config["PORTAL"]
    with app.app_context(), new_session() as db:
        created = accounts.create_user(db, "bench-moderator", Role.MODERATOR, PASSWORD, config)
        admin = accounts.find(db, "bench-admin")
        grants.grant(db, created.user, accounts.open_org_key(admin, PASSWORD, config), admin)
        db.commit()
    access_jobs.wait()
    return created.totp_secret


def logged_in_client(
    app: Flask, totp_secret: str | None = None, username: str = "bench-moderator"
) -> FlaskClient:
    """A user's client, logged in; the bench moderator is created here unless ``totp_secret``
    names the account's secret."""
    totp_secret = totp_secret or create_moderator(app)
    client = app.test_client()
    html = client.get("/moderation/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert token
    response = client.post(
        "/moderation/login",
        data={
            "username": username,
            "password": PASSWORD,
            "totp": pyotp.TOTP(totp_secret).now(),
            "csrf_token": token.group(1),
        },
    )
    assert response.status_code == 302, response.status_code
    return client


@dataclass
class Queue:
    """One seeded app with a logged-in moderator, and what its last page request did."""

    app: Flask
    client: FlaskClient
    timer: ServerTimer
    moderator: int
    statements: list[str] = field(default_factory=list)
    rows: int = 0

    def timed(self, url: str) -> float:
        self.statements.clear()
        response = self.client.get(url.format(moderator=self.moderator))
        assert response.status_code == 200
        self.rows = len(re.findall(r'href="/moderation/cases/\d+"', response.get_data(as_text=True)))
        return self.timer.last * 1000

    def queries(self) -> int:
        return len([s for s in self.statements if "server_sessions" not in s])


def seeded(database_url: str, size: int) -> Queue:
    app = make_app(database_url=database_url)
    engine = app.extensions["portal.engine"]
    totp_secret = create_moderator(app)
    with Session(engine) as db:
        moderator, admin = (db.scalar(select(User.id).where(User.username == n)) for n in BENCH_USERS)
        assert moderator is not None and admin is not None
        matching = {
            "category": Category.THREATS,
            "status": Status.IN_PROGRESS,
            "due_on": today() - dt.timedelta(days=5),
            "assignee_id": moderator,
        }
        seed_reports(db, PAGE_FILL, production=False, fixed=matching)
        seed_reports(db, size - PAGE_FILL, production=False, assignees=(moderator, admin))
        db.commit()
    with engine.connect() as conn:  # what autovacuum (PostgreSQL) or a maintenance run (SQLite) does
        conn.execute(text("ANALYZE"))
        conn.commit()
    queue = Queue(app, logged_in_client(app, totp_secret), ServerTimer(app), moderator)
    event.listen(engine, "before_cursor_execute", lambda *a: queue.statements.append(a[2]))
    return queue


def report(label: str, small_url: str, large_url: str, args: argparse.Namespace) -> None:
    """Both sizes at once, their requests alternated: drift on a shared machine hits both alike."""
    small, large = seeded(small_url, args.small), seeded(large_url, args.large)
    for name, url in PAGES.items():
        at_small, at_large = paired_medians(partial(small.timed, url), partial(large.timed, url), args.runs)
        print(
            f"{label} {name}: {at_small:.1f} ms at {args.small}, {at_large:.1f} ms at {args.large}, "
            f"ratio {at_large / at_small:.2f} (target <= 1.5); queries {small.queries()} / "
            f"{large.queries()}; rows shown {small.rows} / {large.rows}",
            flush=True,
        )
    dispose(small.app)
    dispose(large.app)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    report("SQLite", "", "", args)
    on_postgres("qs", lambda small: on_postgres("ql", lambda large: report("PostgreSQL", small, large, args)))


if __name__ == "__main__":
    main()
