"""Retention: closed cases are erased after the period, with files and key wraps; only the number stays."""

from __future__ import annotations

import datetime as dt
import io

from flask import Flask
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from portal.domain import Status, today
from portal.models import Attachment, AuditEvent, Message, Report
from tests.accounts import Account
from tests.moderation_helpers import events
from tests.reporting_helpers import moderator_answers, report_and_get_code


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
    for _ in range(3):
        report_and_get_code(client, attachments=[(io.BytesIO(b"anteckning\n"), "a.txt")])
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
    assert [(e.subject, e.actor_id) for e in erased_events] == [(f"case:{old}", None)]
    assert "case:report:erased" in events(app, f"case:{old}")
    assert (
        app.test_cli_runner().invoke(args=["purge-expired"]).output
        == "org1: 0 closed case(s) erased after 730 days\n"
    )
