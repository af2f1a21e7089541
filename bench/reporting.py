"""Issue 3 benchmarks, measured in one run:

1. Code log-in costs one argon2id plus under 10 %, the same at 100 and 100 000 reports.
   Server time of ``POST /followup`` (WSGI in to WSGI out), paired run by run with one
   argon2id at the production cost.
2. Submitting a report without files: median server time, and its ratio to a bare Flask POST.

    .venv/bin/python -m bench.reporting [--large 100000] [--runs 15]
"""

from __future__ import annotations

import argparse
import re
import time

from flask import Flask, redirect, request
from flask.testing import FlaskClient
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from bench.common import ServerTimer, make_app, median_seconds, paired_medians
from portal import dispose, installation
from portal.devseed import seed_reports
from portal.security import codes

DESCRIPTION = "En klient hotade mig efter ett beslut och sa att han vet var jag bor. " * 3


def _csrf(client: FlaskClient, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match
    return match.group(1)


def _submit(client: FlaskClient, token: str) -> str:
    response = client.post(
        "/report",
        data={"kind": "influence", "category": "threats", "description": DESCRIPTION, "csrf_token": token},
    )
    assert response.status_code == 303, response.status_code
    page = client.get("/report/receipt").get_data(as_text=True)
    match = re.search(r"data-receipt-code>([0-9A-Z-]+)<", page)
    assert match
    return match.group(1)


def code_login(app: Flask, reports: int, runs: int) -> dict[str, float]:
    with Session(app.extensions["portal.engine"]) as db:
        seed_reports(db, reports - 1, production=False)
        salt, cost = installation.get(db).code_salt, installation.kdf_cost(app.config["PORTAL"])
        db.commit()
    client = app.test_client()
    code = _submit(client, _csrf(client, "/report"))
    timer = ServerTimer(app)

    def login() -> float:
        visitor = app.test_client()
        token = _csrf(visitor, "/followup")
        response = visitor.post("/followup", data={"code": code, "csrf_token": token})
        assert response.status_code == 303
        return timer.last

    def one_argon2id() -> float:
        started = time.perf_counter()
        codes.derive(codes.normalize(code), salt, cost)
        return time.perf_counter() - started

    argon, full = paired_medians(one_argon2id, login, runs)
    return {"argon2id_ms": argon * 1000, "login_ms": full * 1000, "overhead": full / argon}


def submission(app: Flask, runs: int) -> dict[str, float]:
    client = app.test_client()
    token = _csrf(client, "/report")

    def submit(_: object) -> None:
        response = client.post(
            "/report",
            data={
                "kind": "influence",
                "category": "threats",
                "description": DESCRIPTION,
                "csrf_token": token,
            },
        )
        assert response.status_code == 303

    bare = Flask("bare")

    @bare.post("/report")
    def bare_report() -> ResponseReturnValue:
        return redirect(f"/done?len={len(request.form.get('description', ''))}", code=303)

    bare_client = bare.test_client()

    def bare_submit(_: object) -> None:
        bare_client.post(
            "/report", data={"kind": "influence", "category": "threats", "description": DESCRIPTION}
        )

    portal_s = median_seconds(submit, runs)
    bare_s = median_seconds(bare_submit, runs)
    return {"portal_ms": portal_s * 1000, "bare_ms": bare_s * 1000, "ratio": portal_s / bare_s}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    results = {}
    for size in (args.small, args.large):
        app = make_app()
        results[size] = code_login(app, size, args.runs)
        dispose(app)
        r = results[size]
        print(
            f"code log-in at {size:>7} reports: argon2id {r['argon2id_ms']:.1f} ms, "
            f"log-in {r['login_ms']:.1f} ms, log-in/argon2id = {r['overhead']:.3f}"
        )
    ratio = results[args.large]["login_ms"] / results[args.small]["login_ms"]
    print(f"log-in at {args.large} / at {args.small} reports = {ratio:.3f}  (target <= 1.1)")
    app = make_app()
    s = submission(app, args.runs * 4)
    dispose(app)
    print(
        f"submit without files: portal {s['portal_ms']:.2f} ms, bare Flask POST {s['bare_ms']:.3f} ms, "
        f"ratio {s['ratio']:.1f}"
    )


if __name__ == "__main__":
    main()
