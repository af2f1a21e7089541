"""Closed cases on literal dates, and a fixed "today" for the pages, the purge and the notices."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

import portal.cli.notify
import portal.cli.operator
import portal.moderation.cases.postponing
import portal.moderation.cases.views
import portal.moderation.views
import portal.notify.service
from portal.domain import Outcome, Status
from portal.models import Organisation, Report
from tests.accounts import Account, AuthActions
from tests.reporting_helpers import report_and_get_code

# Every module that asks for today's date on the way from a closed case to its erasure.
TODAY_READERS = (
    portal.moderation.views,  # the dashboard's warning
    portal.moderation.cases.views,  # the case page
    portal.moderation.cases.postponing,  # the date of a postponement
    portal.cli.operator,  # purge-expired
    portal.cli.notify,  # notify deadlines
    portal.notify.service,  # notify send
)


def fix_today(monkeypatch: pytest.MonkeyPatch, day: dt.date) -> None:
    for module in TODAY_READERS:
        monkeypatch.setattr(module, "today", lambda: day)


def new_cases(app: Flask, count: int) -> list[int]:
    """``count`` reports through the reporters' form; their numbers, oldest first."""
    for _ in range(count):
        report_and_get_code(app.test_client())
    with Session(app.extensions["portal.engine"]) as db:
        return list(db.scalars(select(Report.id).order_by(Report.id)))[-count:]


def close_on(app: Flask, report_id: int, day: dt.date) -> None:
    with Session(app.extensions["portal.engine"]) as db:
        db.execute(
            update(Report)
            .where(Report.id == report_id)
            .values(status=Status.CLOSED, outcome=Outcome.NO_ACTION, closed_on=day, due_on=None)
        )
        db.commit()


def set_period(app: Flask, days: int) -> None:
    """The organisation's own retention period (as its admins set it on /moderation/retention)."""
    with Session(app.extensions["portal.engine"]) as db:
        row = db.scalars(select(Organisation)).one()
        row.retention_days = days
        db.commit()


def logged_in(app: Flask, account: Account, language: str = "en") -> FlaskClient:
    client = app.test_client()
    client.set_cookie("lang", language)
    assert AuthActions(client).login(account).status_code == 302
    return client
