"""Issue 14 benchmark: one organisation's pages with 300 organisations on the installation.

Two installations side by side in one run: "one" holds a single organisation with N reports,
"many" holds the same organisation with the same N reports plus 299 others with N reports each
(300 × 1 000 = 300 000 reports at the defaults). Measured for the same moderator of the first
organisation, requests of the two alternated (``paired_medians``): the queue's default page, a
case page, the statistics page, and a reporter's code log-in (``/followup``, which looks the code
up in the whole installation: one argon2id and one indexed query whatever the number of
organisations). Targets: queue, case and statistics within 1.2× of one organisation; code log-in
within 1.05×. Then every organisation of the large installation takes part in the pooled
statistics, and the pooled page (300 000 reports counted) is timed: target < 300 ms.

    .venv/bin/python -m bench.orgs [--organisations 300] [--reports 1000] [--runs 15]
"""

from __future__ import annotations

import argparse
import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from bench.common import ServerTimer, make_app, on_postgres, paired_medians
from bench.queue import create_moderator, logged_in_client
from portal import dispose, organisations
from portal.config import Config
from portal.devseed import seed_reports
from portal.domain import Kind
from portal.models import Organisation, Report
from portal.reporting import service

FIRST = 1  # the measured organisation: bench-admin's, made by make_app


@dataclass
class Installation:
    app: Flask
    moderator: FlaskClient
    timer: ServerTimer
    case_id: int
    code: str

    def page(self, url: str) -> float:
        response = self.moderator.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return self.timer.last * 1000

    def code_log_in(self) -> float:
        visitor = self.app.test_client()
        html = visitor.get("/followup").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
        assert token
        response = visitor.post("/followup", data={"code": self.code, "csrf_token": token.group(1)})
        assert response.status_code == 303, response.status_code
        return self.timer.last * 1000


def _other_organisations(db: Session, count: int, reports: int) -> None:
    """``count`` more organisations with a key pair each (no users: nothing needs one) and
    ``reports`` reports each."""
    for n in range(count):
        row = organisations.create(db, f"kommun-{n + 2}", f"Kommun {n + 2}")
        organisations.create_key(row)
        db.flush()
        seed_reports(db, reports, production=False, organisation_id=row.id)


def seeded(database_url: str, others: int, reports: int) -> Installation:
    app = make_app(database_url=database_url)
    engine = app.extensions["portal.engine"]
    config: Config = app.config["PORTAL"]
    totp_secret = create_moderator(app)  # while the first organisation is the only one
    with Session(engine) as db:
        seed_reports(db, reports - 1, production=False, organisation_id=FIRST)
        _other_organisations(db, others, reports)
        with app.test_request_context():
            submission = service.Submission(kind=Kind.INFLUENCE, description="Bänkens egen anmälan.")
            code = service.submit(db, FIRST, submission, config).code
        db.commit()
        case_id = db.scalar(select(Report.id).where(Report.organisation_id == FIRST).order_by(Report.id))
        assert case_id is not None
    # What autovacuum (PostgreSQL: VACUUM marks the pages all-visible, so the statistics index
    # answers alone) or a maintenance run (SQLite) has done by the time 300 000 reports are in.
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
    else:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    moderator = logged_in_client(app, totp_secret)
    return Installation(app, moderator, ServerTimer(app), case_id, code)


def median_of(measure: Callable[[], float], runs: int) -> float:
    for _ in range(2):
        measure()
    return statistics.median(measure() for _ in range(runs))


def report(label: str, one_url: str, many_url: str, args: argparse.Namespace) -> None:
    one = seeded(one_url, 0, args.reports)
    many = seeded(many_url, args.organisations - 1, args.reports)
    pages = {
        "queue": "/moderation/cases",
        "case page": "/moderation/cases/{case}",
        "statistics": "/moderation/stats",
    }
    for name, url in pages.items():
        at_one, at_many = paired_medians(
            partial(one.page, url.format(case=one.case_id)),
            partial(many.page, url.format(case=many.case_id)),
            args.runs,
        )
        print(
            f"{label} {name}: {at_one:.1f} ms with 1 organisation, {at_many:.1f} ms with "
            f"{args.organisations}, ratio {at_many / at_one:.2f} (target <= 1.2)",
            flush=True,
        )
    with Session(many.app.extensions["portal.engine"]) as db:  # every organisation takes part
        db.execute(update(Organisation).values(pooled=True))
        db.commit()
    pooled = median_of(partial(many.page, "/moderation/stats/pooled"), args.runs)
    print(f"{label} pooled statistics of {args.organisations}: {pooled:.1f} ms (target < 300)", flush=True)
    at_one, at_many = paired_medians(one.code_log_in, many.code_log_in, args.runs)
    print(
        f"{label} code log-in: {at_one:.1f} ms with 1 organisation, {at_many:.1f} ms with "
        f"{args.organisations}, ratio {at_many / at_one:.3f} (target <= 1.05)",
        flush=True,
    )
    dispose(one.app)
    dispose(many.app)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--organisations", type=int, default=300)
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    report("SQLite", "", "", args)
    on_postgres("os", lambda one: on_postgres("om", lambda many: report("PostgreSQL", one, many, args)))


if __name__ == "__main__":
    main()
