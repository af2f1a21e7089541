"""The case queue: filters, sorting, keyset pages of 50, metadata only, a constant number of queries."""

from __future__ import annotations

import random
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from portal.devseed import seed_reports
from portal.models import Report
from tests.accounts import Account, AuthActions


def _seed(app: Flask, count: int) -> None:
    with Session(app.extensions["portal.engine"]) as db:
        seed_reports(db, count, production=False, rng=random.Random(7))
        db.commit()


def _ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'href="/moderation/cases/(\d+)"', html)]


def _walk(client: FlaskClient, url: str) -> list[int]:
    seen: list[int] = []
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += _ids(html)
        match = re.search(r'href="([^"]+)" rel="next"', html)
        url = match.group(1).replace("&amp;", "&") if match else ""
    return seen


def test_pages_cover_every_open_case_once_in_due_order(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    _seed(app, 130)
    auth.login(admin)
    walked = _walk(client, "/moderation/cases")
    with Session(app.extensions["portal.engine"]) as db:
        expected = list(
            db.scalars(
                select(Report.id)
                .where(Report.status != "closed")
                .order_by(Report.due_on.is_(None), Report.due_on, Report.id)
            )
        )
    assert walked == expected and len(walked) > 50
    newest = _walk(client, "/moderation/cases?sort=newest&status=closed")
    with Session(app.extensions["portal.engine"]) as db:
        closed = list(
            db.scalars(
                select(Report.id)
                .where(Report.status == "closed")
                .order_by(Report.created_on.desc(), Report.id.desc())
            )
        )
    assert newest == closed


def test_filters_narrow_the_list(app: Flask, client: FlaskClient, admin: Account, auth: AuthActions) -> None:
    _seed(app, 120)
    auth.login(admin)
    html = client.get("/moderation/cases?category=bribery&area=housing&status=new").get_data(as_text=True)
    with Session(app.extensions["portal.engine"]) as db:
        expected = set(
            db.scalars(
                select(Report.id).where(
                    Report.category == "bribery", Report.area == "housing", Report.status == "new"
                )
            )
        )
    assert set(_ids(html)) == expected
    for query in [
        "status=bogus",
        "due=whenever",
        "after=not-a-cursor",
        "label=x",
        "assignee=y",
        "sort=sideways",
    ]:
        assert client.get(f"/moderation/cases?{query}").status_code == 200, query


def test_queue_needs_no_decryption_and_a_constant_number_of_queries(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    auth.login(admin)
    engine = app.extensions["portal.engine"]
    counts = []
    for size in (5, 60):
        _seed(app, size)
        statements: list[str] = []

        def record(
            conn: object, cursor: object, statement: str, *args: object, seen: list[str] = statements
        ) -> None:
            if "server_sessions" not in statement:  # session upkeep is not the queue's work
                seen.append(statement)

        event.listen(engine, "before_cursor_execute", record)
        try:
            assert client.get("/moderation/cases").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", record)
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
