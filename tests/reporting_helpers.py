"""Helpers for tests that go through the reporter's path."""

from __future__ import annotations

import itertools
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal.accounts import service as accounts
from portal.models import Report
from tests.accounts import Account, keyring_of
from tests.csrf import csrf_from, get_csrf

_submissions = itertools.count(1)
DESCRIPTION = "En klient hotade mig efter beslutet om försörjningsstöd och sa att han vet var jag bor."


def submit(client: FlaskClient, base: str = "", **fields: Any) -> Any:
    """Send the report form at ``base``/report (``/o/<slug>`` for one of several organisations)."""
    token = get_csrf(client, f"{base}/report")
    data: dict[str, Any] = {
        "kind": "influence",
        "category": "threats",
        "area": "income_support",
        "description": DESCRIPTION,
    }
    data.update(fields)
    data["csrf_token"] = token
    # Each call is a new report: a field the form does not know makes it one for the one-use token
    # (portal/security/once.py), which would take the same words twice for one report sent twice.
    data.setdefault("test_submission", str(next(_submissions)))
    # Multipart only with files: werkzeug's test client spools big multipart bodies to a
    # temporary file it never closes.
    kind = "multipart/form-data" if "attachments" in data else "application/x-www-form-urlencoded"
    return client.post(f"{base}/report", data=data, content_type=kind)


def receipt_code(client: FlaskClient, base: str = "") -> str:
    page = client.get(f"{base}/report/receipt").get_data(as_text=True)
    match = re.search(r"data-receipt-code>([0-9A-Z-]+)<", page)
    assert match, "no receipt code on the page"
    return match.group(1)


def report_and_get_code(client: FlaskClient, base: str = "", **fields: Any) -> str:
    response = submit(client, base, **fields)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    code = receipt_code(client, base)
    token = get_csrf(client, f"{base}/report/receipt")
    done = client.post(f"{base}/report/receipt", data={"csrf_token": token, "stored": "y"})
    assert done.status_code == 303
    return code


def open_with_code(client: FlaskClient, code: str) -> Any:
    token = get_csrf(client, "/followup")
    return client.post("/followup", data={"code": code, "csrf_token": token})


def case_page(client: FlaskClient) -> str:
    return client.get("/followup/case").get_data(as_text=True)


def reply(client: FlaskClient, message: str, **extra: Any) -> Any:
    token = csrf_from(case_page(client))
    return client.post(
        "/followup/reply",
        data={"message": message, "csrf_token": token, **extra},
        content_type="multipart/form-data",
    )


def moderator_answers(app: Flask, admin: Account, report_id: int, text: str, feedback: bool = False) -> None:
    """A moderator's message written through the moderation service (as the case page does)."""
    from portal.moderation.cases import service as cases

    with app.test_request_context(), Session(app.extensions["portal.engine"]) as db:
        user = accounts.find(db, admin.username)
        keys = keyring_of(user, admin.password, app.config["PORTAL"])
        cases.send_message(db, report_id, keys, user, text, feedback=feedback)
        db.commit()


def keep_out(app: Flask, admin: Account, report_id: int, user_id: int) -> None:
    """The admin excludes a moderator from the case, as its access panel does."""
    from portal.moderation.cases import service as cases

    with app.test_request_context(), Session(app.extensions["portal.engine"]) as db:
        user = accounts.find(db, admin.username)
        report = db.get_one(Report, report_id)
        keys = keyring_of(user, admin.password, app.config["PORTAL"])
        cases.restrict(db, report_id, keys, user, report.version, [user_id], only_assigned=False)
        db.commit()


def only_report_id(app: Flask) -> int:
    from sqlalchemy import select

    with Session(app.extensions["portal.engine"]) as db:
        ids = list(db.scalars(select(Report.id)))
    assert len(ids) == 1, ids
    return ids[0]


def report_count(app: Flask) -> int:
    from sqlalchemy import func, select

    with Session(app.extensions["portal.engine"]) as db:
        return int(db.scalar(select(func.count()).select_from(Report)) or 0)


def attachment_contents(app: Flask, admin: Account) -> list[bytes]:
    """Every attachment, decrypted the way a moderator's session would."""
    from sqlalchemy import select

    from portal.cases import vault
    from portal.models import Attachment

    with Session(app.extensions["portal.engine"]) as db:
        user = accounts.find(db, admin.username)
        org_key = accounts.open_org_key(user, admin.password, app.config["PORTAL"])
        return [
            vault.file_content(vault.key_from_org(item.report, org_key), item)
            for item in db.scalars(select(Attachment))
        ]
