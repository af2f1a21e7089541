"""Retention: closed cases are erased after the period, with files and key wraps; their events stay
in the audit log under a random token instead of the number. Each organisation has its own period, set by its admins, and its own purge in its log."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from typing import Any

from alembic import command
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from portal import organisations, retention
from portal.db import alembic_config
from portal.domain import TIMEZONE, Status, today
from portal.models import Attachment, AuditEvent, Message, Organisation, Report, Role
from tests.accounts import Account, AuthActions, make_account
from tests.csrf import get_csrf
from tests.moderation_helpers import events
from tests.reporting_helpers import DESCRIPTION, moderator_answers, report_and_get_code
from tests.two_organisations import A_BASE, B_BASE, log_of, two_organisations


def _close(app: Flask, report_id: int, days_ago: int) -> None:
    with Session(app.extensions["portal.engine"]) as db:
        closed = today() - dt.timedelta(days=days_ago)
        db.execute(
            update(Report).where(Report.id == report_id).values(status=Status.CLOSED, closed_on=closed)
        )
        db.commit()


def _count(app: Flask, model: type) -> int:
    with Session(app.extensions["portal.engine"]) as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_purge_erases_only_expired_closed_cases(app: Flask, admin: Account) -> None:
    client = app.test_client()
    for n in range(3):  # three reports, each its own words (the same twice would be one report)
        report_and_get_code(
            client, description=f"{DESCRIPTION} ({n})", attachments=[(io.BytesIO(b"anteckning\n"), "a.txt")]
        )
    with Session(app.extensions["portal.engine"]) as db:
        old, recent, still_open = db.scalars(select(Report.id).order_by(Report.id)).all()
    moderator_answers(app, admin, old, "Svar som ska försvinna.")
    retention = app.config["PORTAL"].retention_days
    _close(app, old, retention + 1)
    _close(app, recent, retention - 1)
    result = app.test_cli_runner().invoke(args=["purge-expired"])
    assert result.exit_code == 0 and result.output == "org1: 1 closed case(s) erased after 730 days\n"
    with Session(app.extensions["portal.engine"]) as db:
        remaining = set(db.scalars(select(Report.id)))
        erased_events = list(db.scalars(select(AuditEvent).where(AuditEvent.event == "case:report:erased")))
    assert remaining == {recent, still_open}
    assert _count(app, Attachment) == 2 and _count(app, Message) == 0
    # The number is gone from the log: the events stand under one random token.
    [(subject, actor)] = [(e.subject, e.actor_id) for e in erased_events]
    assert re.fullmatch(r"case:erased-[0-9a-f]{16}", subject or "") and actor is None
    assert events(app, f"case:{old}") == [] and events(app, subject)[-1] == "case:report:erased"
    assert (
        app.test_cli_runner().invoke(args=["purge-expired"]).output
        == "org1: 0 closed case(s) erased after 730 days\n"
    )


# Two organisations (issue 14): A keeps closed cases 30 days, B the installation's 730.


def _closed_in(app: Flask, organisation_id: int, days_ago: int) -> int:
    with Session(app.extensions["portal.engine"]) as db:
        report_id = db.scalars(select(Report.id).where(Report.organisation_id == organisation_id)).one()
    _close(app, report_id, days_ago)
    return report_id


def _set_own_period(app: Flask, organisation_id: int, days: int) -> None:
    with Session(app.extensions["portal.engine"]) as db:
        row = db.get(Organisation, organisation_id)
        assert row is not None
        row.retention_days = days
        db.commit()


def test_each_organisation_purges_after_its_own_period_into_its_own_log(app: Flask, admin: Account) -> None:
    two = two_organisations(app)
    _set_own_period(app, two.a, 30)
    report_and_get_code(app.test_client(), A_BASE)
    report_and_get_code(app.test_client(), B_BASE)
    a_case = _closed_in(app, two.a, 31)
    b_case = _closed_in(app, two.b, 31)  # as old as A's, but B keeps cases 730 days

    result = app.test_cli_runner().invoke(args=["purge-expired"])
    assert result.exit_code == 0, result.output
    assert result.output == (
        "org1: 1 closed case(s) erased after 30 days\nkommun-b: 0 closed case(s) erased after 730 days\n"
    )
    with Session(app.extensions["portal.engine"]) as db:
        assert list(db.scalars(select(Report.id))) == [b_case]
    [(erased, subject)] = log_of(app, two.a, "case:report:erased")
    assert erased == "case:report:erased" and subject is not None and subject.startswith("case:erased-")
    assert f"case:{a_case}" not in [subject for _event, subject in log_of(app, two.a, "case:")]
    assert log_of(app, two.a, "retention:") == [("retention:purge:ran", None)]
    assert log_of(app, two.b, "case:report:erased") == []
    assert log_of(app, two.b, "retention:") == [("retention:purge:ran", None)]


def test_the_last_purge_is_the_oldest_of_the_organisations(app: Flask, admin: Account) -> None:
    two = two_organisations(app)
    _set_own_period(app, two.b, 90)
    assert app.test_cli_runner().invoke(args=["purge-expired"]).exit_code == 0
    three_days_ago = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=3)
    with Session(app.extensions["portal.engine"]) as db:
        db.execute(
            update(AuditEvent)
            .where(AuditEvent.organisation_id == two.b, AuditEvent.event == "retention:purge:ran")
            .values(at=three_days_ago)
        )
        db.commit()
        assert retention.last_purge(db) == three_days_ago  # B's, not A's of a moment ago
    with app.app_context():  # the fixture's tables are the newest schema: say so to Alembic
        command.stamp(alembic_config(), "head")
    status = app.test_cli_runner().invoke(args=["status"])
    assert status.exit_code == 1
    assert f"purge-expired last ran: {three_days_ago.astimezone(TIMEZONE):%Y-%m-%d %H:%M %Z} (LATE" in (
        status.output
    )
    assert status.output.splitlines()[-1] == "Needs attention: retention"
    assert (
        "Retention: closed cases erased after 730 days (kommun-b: 90 days); schedule: not set;"
        in status.output
    )
    document = json.loads(app.test_cli_runner().invoke(args=["status", "--json"]).output)
    assert document["retention"]["organisations"] == {"kommun-b": 90}
    assert document["retention"]["last_purge"] == three_days_ago.isoformat()

    with Session(app.extensions["portal.engine"]) as db:
        c_id = organisations.create(db, "kommun-c", "Kommun C").id
        db.commit()
        # Waiting for its first admin, it has nothing to purge: the oldest run is still B's.
        assert retention.last_purge(db) == three_days_ago
    make_account(app, "cecilia", Role.ADMIN, organisation_id=c_id)  # enrolled: its purge never ran
    with Session(app.extensions["portal.engine"]) as db:
        assert retention.last_purge(db) is None
    assert "purge-expired last ran: never (LATE" in app.test_cli_runner().invoke(args=["status"]).output


def _retention_page(client: FlaskClient, **data: str) -> Any:
    return client.post(
        "/moderation/retention", data={"csrf_token": get_csrf(client, "/moderation/retention"), **data}
    )


def test_an_admin_sets_the_organisations_period_on_its_page(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    two = two_organisations(app)
    assert auth.login(admin).status_code == 302
    page = client.get("/moderation/retention?lang=en").get_data(as_text=True)
    assert "Closed cases are now erased after 730 days." in page

    too_short = client.post(
        "/moderation/retention?lang=sv",
        data={"csrf_token": get_csrf(client, "/moderation/retention"), "days": "29"},
    )
    assert too_short.status_code == 400
    refused = too_short.get_data(as_text=True)
    assert "En lagringstid är från 30 till 3650 dagar." in refused
    assert 'value="29"' in refused  # what was typed is still there
    not_a_number = client.post(
        "/moderation/retention?lang=en",
        data={"csrf_token": get_csrf(client, "/moderation/retention"), "days": "trettio"},
    )
    assert not_a_number.status_code == 400 and 'value="trettio"' in not_a_number.get_data(as_text=True)
    too_long = client.post(
        "/moderation/retention?lang=en",
        data={"csrf_token": get_csrf(client, "/moderation/retention"), "days": "3651"},
    )
    assert "A retention period is from 30 to 3650 days." in too_long.get_data(as_text=True)

    saved = _retention_page(client, days="90")
    assert saved.status_code == 303 and saved.location == "/moderation/retention"
    assert "Closed cases are now erased after 90 days." in client.get(
        "/moderation/retention?lang=en"
    ).get_data(as_text=True)
    with Session(app.extensions["portal.engine"]) as db:
        periods = {
            slug: days for slug, days in db.execute(select(Organisation.slug, Organisation.retention_days))
        }
    assert periods == {"org1": 90, "kommun-b": None}
    assert log_of(app, two.a, "admin:retention") == [("admin:retention:changed", "retention:90")]
    assert log_of(app, two.b, "admin:retention") == []

    assert _retention_page(client, days="").status_code == 303  # empty: the installation's again
    assert log_of(app, two.a, "admin:retention")[-1] == ("admin:retention:changed", "retention:default")
    with Session(app.extensions["portal.engine"]) as db:
        assert db.scalar(select(Organisation.retention_days).where(Organisation.id == two.a)) is None


def test_a_moderator_cannot_set_the_period(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    mo = make_account(app, "mo")
    assert auth.login(mo).status_code == 302
    assert client.get("/moderation/retention").status_code == 403
