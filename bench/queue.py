"""Issue 4 benchmark: the case queue at 100 000 reports against 100, measured in one run.

Server time of ``GET /moderation/cases`` (first page, most urgent first, and a filtered page),
median of N, and the number of SQL statements per page (must not grow with the data).

    .venv/bin/python -m bench.queue [--large 100000] [--runs 21]
"""

from __future__ import annotations

import argparse
import re
import statistics

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from bench.common import PASSWORD, ServerTimer, make_app
from portal import dispose
from portal.accounts import service as accounts
from portal.devseed import seed_reports
from portal.models import Role

PAGES = (
    "/moderation/cases",
    "/moderation/cases?category=threats&sort=newest",
    "/moderation/cases?due=overdue",
)


def logged_in_client(app: Flask) -> FlaskClient:
    with Session(app.extensions["portal.engine"]) as db:
        created = accounts.create_user(db, "bench-moderator", Role.MODERATOR, PASSWORD, app.config["PORTAL"])
        db.commit()
    client = app.test_client()
    html = client.get("/moderation/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert token
    response = client.post(
        "/moderation/login",
        data={
            "username": "bench-moderator",
            "password": PASSWORD,
            "totp": pyotp.TOTP(created.totp_secret).now(),
            "csrf_token": token.group(1),
        },
    )
    assert response.status_code == 302, response.status_code
    return client


def measure(size: int, runs: int) -> dict[str, float]:
    app = make_app()
    with Session(app.extensions["portal.engine"]) as db:
        seed_reports(db, size, production=False)
        db.commit()
    client = logged_in_client(app)
    timer = ServerTimer(app)
    engine = app.extensions["portal.engine"]
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    results: dict[str, float] = {}
    for url in PAGES:
        samples = []
        for _ in range(runs + 2):
            statements.clear()
            response = client.get(url)
            assert response.status_code == 200
            samples.append(timer.last)
        results[url] = statistics.median(samples[2:]) * 1000
        results[url + " queries"] = len([s for s in statements if "server_sessions" not in s])
        results[url + " rows"] = len(
            re.findall(r'href="/moderation/cases/\d+"', response.get_data(as_text=True))
        )
    dispose(app)
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    small, large = measure(args.small, args.runs), measure(args.large, args.runs)
    for url in PAGES:
        ratio = large[url] / small[url]
        print(
            f"{url}: {small[url]:.1f} ms at {args.small}, {large[url]:.1f} ms at {args.large}, "
            f"ratio {ratio:.2f} (target <= 1.5); queries {small[url + ' queries']:.0f} / {large[url + ' queries']:.0f}; "
            f"rows shown {small[url + ' rows']:.0f} / {large[url + ' rows']:.0f}"
        )


if __name__ == "__main__":
    main()
