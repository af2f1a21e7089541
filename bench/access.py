"""Issue 15 part 2 benchmark: granting a moderator access to 100 000 cases, and their queue.

1. **The grant does not block.** Server time of the admin's ``POST /moderation/users/<id>/access``
   (it writes the job row and answers), then the wall time of the access job the commit starts:
   every case key sealed, 500 cases per transaction, in a thread of the server.
2. **The reader's scope costs little.** The queue's default page for a plain moderator (every
   query limited to the cases they hold a case key for) against the same page for an admin (no
   such limit), side by side, median of N, at ``--reports`` cases.

On SQLite, and on PostgreSQL (a scratch schema of ``PORTAL_BENCH_DATABASE_URL``) when it answers.

    .venv/bin/python -m bench.access [--reports 100000] [--runs 21]
"""

from __future__ import annotations

import argparse
import re
import time
from functools import partial

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bench.common import PASSWORD, ServerTimer, make_app, on_postgres, paired_medians
from bench.queue import create_moderator, logged_in_client
from portal import dispose
from portal.accounts import grants
from portal.accounts import service as accounts
from portal.cases import access_jobs
from portal.db import new_session
from portal.devseed import seed_reports
from portal.models import CaseKey, Role


def _admin_client(app: Flask) -> FlaskClient:
    config = app.config["PORTAL"]
    with app.app_context(), new_session() as db:
        created = accounts.create_user(db, "bench-admin-2", Role.ADMIN, PASSWORD, config)
        first = accounts.find(db, "bench-admin")
        grants.grant(db, created.user, accounts.open_org_key(first, PASSWORD, config), first)
        db.commit()
    return logged_in_client(app, created.totp_secret, "bench-admin-2")


def measure(label: str, database_url: str, args: argparse.Namespace) -> None:
    app = make_app(database_url=database_url)
    engine = app.extensions["portal.engine"]
    timer = ServerTimer(app)
    moderator = logged_in_client(app, create_moderator(app))  # granted before the seeding
    with Session(engine) as db:
        seed_reports(db, args.reports, production=False)
        db.commit()
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    admin = _admin_client(app)

    # 1. A new moderator granted access to every existing case.
    config = app.config["PORTAL"]
    with app.app_context(), new_session() as db:
        newcomer = accounts.create_user(db, "bench-newcomer", Role.MODERATOR, PASSWORD, config).user
        db.commit()
        newcomer_id = newcomer.id
    users = admin.get("/moderation/users").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', users)
    assert token
    started = time.perf_counter()
    granted = admin.post(f"/moderation/users/{newcomer_id}/access", data={"csrf_token": token.group(1)})
    request_ms = timer.last * 1000
    assert granted.status_code == 303, granted.status_code
    access_jobs.wait(timeout=None)
    job_s = time.perf_counter() - started
    with Session(engine) as db:
        sealed = (
            db.scalar(select(func.count()).select_from(CaseKey).where(CaseKey.user_id == newcomer_id)) or 0
        )
    assert sealed == args.reports, (sealed, args.reports)
    print(
        f"{label} grant: the request {request_ms:.1f} ms; the access job sealed {sealed} case keys in "
        f"{job_s:.1f} s ({sealed / job_s:.0f} cases/s)",
        flush=True,
    )

    # 2. The queue of a plain moderator (reader scope) against an admin's (none).
    def page(client: FlaskClient) -> float:
        response = client.get("/moderation/cases")
        assert response.status_code == 200
        assert len(re.findall(r'href="/moderation/cases/\d+"', response.get_data(as_text=True))) == 50
        return timer.last * 1000

    as_admin, as_moderator = paired_medians(partial(page, admin), partial(page, moderator), args.runs)
    print(
        f"{label} queue at {args.reports} cases: admin {as_admin:.1f} ms, plain moderator "
        f"{as_moderator:.1f} ms, ratio {as_moderator / as_admin:.2f}",
        flush=True,
    )
    dispose(app)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    measure("SQLite", "", args)
    on_postgres("acc", lambda url: measure("PostgreSQL", url, args))


if __name__ == "__main__":
    main()
