"""The case queue stays flat as reports grow (issue 19): every filter reads its page in order
from an index, and a page costs the same number of statements whether the queue is nearly empty
or full. The plans are asked of the database for the very statements a page request runs, after
ANALYZE, at a size where a scan and a sort of every match would be the planner's other choice."""

from __future__ import annotations

import random
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from portal.devseed import seed_reports
from portal.models import User
from tests.accounts import Account, AuthActions

FILTERS = {
    "default": "/moderation/cases",
    "category + newest": "/moderation/cases?category=threats&sort=newest",
    "overdue": "/moderation/cases?due=overdue",
    "assignee": "/moderation/cases?assignee={admin}",
}


def _seed(app: Flask, count: int) -> int:
    with Session(app.extensions["portal.engine"]) as db:
        admin = db.scalar(select(User.id).order_by(User.id).limit(1))
        assert admin is not None
        seed_reports(db, count, production=False, rng=random.Random(19), assignees=(admin,))
        db.commit()
    with app.extensions["portal.engine"].connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    return admin


def _statements(app: Flask, client: FlaskClient, url: str) -> list[tuple[str, Any]]:
    seen: list[tuple[str, Any]] = []

    def record(conn: object, cursor: object, statement: str, parameters: Any, *args: object) -> None:
        if "server_sessions" not in statement:  # session upkeep is not the queue's work
            seen.append((statement, parameters))

    engine = app.extensions["portal.engine"]
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def _plan(app: Flask, statement: str, parameters: Any) -> str:
    engine = app.extensions["portal.engine"]
    explain = "EXPLAIN " if engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(explain + statement, parameters).all()
    return "\n".join(" ".join(str(cell) for cell in row) for row in rows)


def test_every_filter_reads_its_page_in_order_from_an_index(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    auth.login(admin)
    moderator = _seed(app, 6000)
    for name, url in FILTERS.items():
        queue_statements = [
            (statement, parameters)
            for statement, parameters in _statements(app, client, url.format(admin=moderator))
            if "FROM reports" in statement and "LIMIT" in statement
        ]
        assert queue_statements, name
        for statement, parameters in queue_statements:
            plan = _plan(app, statement, parameters)
            for sign in ("Seq Scan on reports", "Sort", "TEMP B-TREE", "SCAN reports\n"):
                assert sign not in plan + "\n", f"{name}: {sign!r} in\n{plan}"
            if app.extensions["portal.engine"].dialect.name == "sqlite":
                assert "USING INDEX" in plan or "USING COVERING INDEX" in plan, f"{name}:\n{plan}"


@pytest.mark.parametrize("name", list(FILTERS))
def test_a_page_costs_the_same_statements_nearly_empty_and_full(
    name: str, app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    auth.login(admin)
    counts = []
    for size in (12, 600):
        moderator = _seed(app, size)
        counts.append(len(_statements(app, client, FILTERS[name].format(admin=moderator))))
    assert counts[0] == counts[1], counts
