"""Issues 4 and 19 benchmark: the case queue at 100 000 reports against 100, in one run.

Server time of ``GET /moderation/cases`` for the default page (most urgent first), category +
newest first, overdue and one moderator's cases, median of N, and the number of SQL statements
per page (must not grow with the data), on SQLite and on PostgreSQL (a scratch schema of
``PORTAL_BENCH_DATABASE_URL``, default the local ``test`` database) when it answers. The seeded
reports carry due dates and assignees, and the tables are analysed after seeding, as autovacuum
would, so that the planner sees the data it will see in production.

    .venv/bin/python -m bench.queue [--small 100] [--large 100000] [--runs 21]
"""

from __future__ import annotations

import argparse
import re
import statistics

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from bench.common import PASSWORD, ServerTimer, make_app, on_postgres
from portal import dispose
from portal.accounts import service as accounts
from portal.devseed import seed_reports
from portal.models import Role, User

BENCH_USERS = ("bench-moderator", "bench-admin")
PAGES = {
    "default": "/moderation/cases",
    "category + newest": "/moderation/cases?category=threats&sort=newest",
    "overdue": "/moderation/cases?due=overdue",
    "assignee": "/moderation/cases?assignee={moderator}",
}


def create_moderator(app: Flask) -> str:
    with Session(app.extensions["portal.engine"]) as db:
        created = accounts.create_user(db, "bench-moderator", Role.MODERATOR, PASSWORD, app.config["PORTAL"])
        db.commit()
    return created.totp_secret


def logged_in_client(app: Flask, totp_secret: str | None = None) -> FlaskClient:
    """A moderator's client; the moderator is created here unless ``totp_secret`` names one."""
    totp_secret = totp_secret or create_moderator(app)
    client = app.test_client()
    html = client.get("/moderation/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert token
    response = client.post(
        "/moderation/login",
        data={
            "username": "bench-moderator",
            "password": PASSWORD,
            "totp": pyotp.TOTP(totp_secret).now(),
            "csrf_token": token.group(1),
        },
    )
    assert response.status_code == 302, response.status_code
    return client


def measure(database_url: str, size: int, runs: int) -> dict[str, float]:
    app = make_app(database_url=database_url)
    engine = app.extensions["portal.engine"]
    totp_secret = create_moderator(app)
    with Session(engine) as db:
        moderator, admin = (db.scalar(select(User.id).where(User.username == n)) for n in BENCH_USERS)
        assert moderator is not None and admin is not None
        seed_reports(db, size, production=False, assignees=(moderator, admin))
        db.commit()
    with engine.connect() as conn:  # what autovacuum (PostgreSQL) or a maintenance run (SQLite) does
        conn.execute(text("ANALYZE"))
        conn.commit()
    client = logged_in_client(app, totp_secret)
    timer = ServerTimer(app)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    results: dict[str, float] = {}
    for name, url in PAGES.items():
        url = url.format(moderator=moderator)
        samples = []
        for _ in range(runs + 2):
            statements.clear()
            response = client.get(url)
            assert response.status_code == 200
            samples.append(timer.last)
        results[name] = statistics.median(samples[2:]) * 1000
        results[name + " queries"] = len([s for s in statements if "server_sessions" not in s])
        results[name + " rows"] = len(
            re.findall(r'href="/moderation/cases/\d+"', response.get_data(as_text=True))
        )
    dispose(app)
    return results


def report(label: str, database_url: str, args: argparse.Namespace) -> None:
    small, large = measure(database_url, args.small, args.runs), measure(database_url, args.large, args.runs)
    for name in PAGES:
        ratio = large[name] / small[name]
        print(
            f"{label} {name}: {small[name]:.1f} ms at {args.small}, {large[name]:.1f} ms at {args.large}, "
            f"ratio {ratio:.2f} (target <= 1.5); queries {small[name + ' queries']:.0f} / "
            f"{large[name + ' queries']:.0f}; rows shown {small[name + ' rows']:.0f} / {large[name + ' rows']:.0f}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    report("SQLite", "", args)
    on_postgres("q", lambda url: report("PostgreSQL", url, args))


if __name__ == "__main__":
    main()
