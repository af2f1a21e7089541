"""Helpers for tests of the moderator's case work."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import AuditEvent, Report
from tests.csrf import csrf_from


def case_html(client: FlaskClient, report_id: int) -> str:
    response = client.get(f"/moderation/cases/{report_id}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def version_of(html: str) -> str:
    match = re.search(
        r'name="version" type="hidden" value="(\d+)"|id="version" name="version" type="hidden" value="(\d+)"',
        html,
    )
    assert match, "no version field"
    return match.group(1) or match.group(2)


def act(client: FlaskClient, report_id: int, action: str, **data: Any) -> Any:
    html = case_html(client, report_id)
    data.setdefault("csrf_token", csrf_from(html))
    data.setdefault("version", version_of(html))
    return client.post(f"/moderation/cases/{report_id}/{action}", data=data)


def report(app: Flask, report_id: int) -> Report:
    from sqlalchemy.orm import selectinload

    with Session(app.extensions["portal.engine"], expire_on_commit=False) as db:
        row = db.get(Report, report_id, options=[selectinload(Report.labels)])
        assert row is not None
        db.expunge(row)
        return row


def events(app: Flask, subject: str | None = None) -> list[str]:
    with Session(app.extensions["portal.engine"]) as db:
        query = select(AuditEvent.event).order_by(AuditEvent.id)
        if subject:
            query = query.where(AuditEvent.subject == subject)
        return list(db.scalars(query))
