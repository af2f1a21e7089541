"""A part the portal needs is down while a report is sent: the answer is a calm 503 that gives
back everything typed in a form that sends it again, nothing is stored, no receipt is shown, and
"Send again" stores the report once the part is back (portal/unavailable.py).

The faults are real: SQLite refuses to grow its file (``max_page_count`` at the file's current
size: the same SQLITE_FULL as a full disk), and PostgreSQL ends the request's connection just
before the commit (``pg_terminate_backend``, as a restart does).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, text
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from portal import unavailable
from portal.models import Report
from tests.accounts import Account
from tests.csrf import get_csrf
from tests.form_page import TYPED, FormOfPage
from tests.reporting_helpers import receipt_code, report_count


@contextmanager
def part_down(app: Flask, backend: str) -> Iterator[None]:
    engine = app.extensions["portal.engine"]
    if backend == "sqlite":

        def full(dbapi_connection: Any, _record: Any) -> None:
            size = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
            dbapi_connection.execute(f"PRAGMA max_page_count={size}")

        event.listen(engine, "connect", full)
        engine.dispose()
        try:
            yield
        finally:
            event.remove(engine, "connect", full)
            engine.dispose()
        return

    def ended(session: Session) -> None:
        with engine.connect() as other:
            pid = session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    factory = app.extensions["portal.sessionmaker"]
    event.listen(factory, "before_commit", ended)
    try:
        yield
    finally:
        event.remove(factory, "before_commit", ended)


def test_a_report_sent_while_the_database_is_down_is_given_back_and_can_be_sent_again(
    app: Flask, client: FlaskClient, backend: str, admin: Account
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False  # production's value: the test client gets the answer
    data = {"kind": "influence", "category": "threats", "area": "income_support", "description": TYPED}
    token = get_csrf(client, "/report")
    with part_down(app, backend):
        answer = client.post("/report", data={**data, "csrf_token": token})
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "60"
    assert answer.headers["Cache-Control"] == "no-store"
    page = answer.get_data(as_text=True)
    assert "Nothing was stored: the portal cannot reach a part it needs right now." in page or (
        "Inget har sparats" in page
    )
    assert "<b>inte</b>" not in page  # what was typed is text on the page, never markup
    assert report_count(app) == 0
    receipt = client.get("/report/receipt")
    assert receipt.status_code == 302 and receipt.location.endswith("/")

    form = FormOfPage(page)
    assert form.action == "/report"
    sent = dict(form.fields)
    assert {name: sent[name] for name in data} == data
    assert sent["csrf_token"]
    again = client.post(form.action, data=MultiDict(form.fields))
    assert again.status_code == 303
    assert receipt_code(client)
    with Session(app.extensions["portal.engine"]) as db:
        assert db.query(Report).count() == 1


def test_the_answer_is_swedish_by_default_and_english_when_chosen(
    app: Flask, client: FlaskClient, backend: str, admin: Account
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    token = get_csrf(client, "/report")
    data = {"kind": "influence", "category": "threats", "description": TYPED, "csrf_token": token}
    with part_down(app, backend):
        swedish = client.post("/report", data=data).get_data(as_text=True)
        english = client.post("/report?lang=en", data=data).get_data(as_text=True)
    assert "Tillfälligt otillgänglig" in swedish and "Skicka igen" in swedish
    assert "Temporarily unavailable" in english and "Send again" in english


def test_secrets_and_files_are_never_written_into_the_page(app: Flask) -> None:
    """A log-in form that failed: the name comes back, the password does not."""
    from portal.moderation.forms import LoginForm  # the form of the page, as its view builds it

    typed = {"username": "moderator.one", "password": "not-the-password-9f3e", "csrf_token": "x"}
    with app.test_request_context("/moderation/login", method="POST", data=typed):
        LoginForm()
        page, status, headers = unavailable.answer()
    assert status == 503
    assert "not-the-password-9f3e" not in page and 'name="password"' not in page
    assert 'name="username"' in page and "moderator.one" in page
    assert "Din kod eller din lösenfras visas inte här: skriv den igen efter att du har skickat." in page
