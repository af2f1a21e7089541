"""One transaction per request, committed in one place (portal/db.py): an answer below 400 commits,
a refusal rolls back unless it keeps its writes on purpose, and a failed commit takes the answer's
promises (a receipt's code, a log-in) with it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask, abort, request
from flask.testing import FlaskClient
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from portal import organisations
from portal.db import db_session, keep_writes
from portal.forum import moderation as forum_moderation
from portal.forum.models import Thread, WordAction
from portal.models import Label, Report, User
from tests.accounts import Account, AuthActions
from tests.csrf import get_csrf
from tests.forum_helpers import new_thread, seed
from tests.moderation_helpers import act, events
from tests.reporting_helpers import DESCRIPTION, only_report_id, report_and_get_code, report_count


def _labels(app: Flask) -> list[str]:
    with Session(app.extensions["portal.engine"]) as db:
        return list(db.scalars(select(Label.name).order_by(Label.id)))


@pytest.fixture
def probe(app: Flask) -> FlaskClient:
    """A page that writes a row, then answers with the status it is asked for."""

    def write(status: int) -> tuple[str, int]:
        db = db_session()
        organisation_id = organisations.only(db).id
        db.add(
            Label(
                organisation_id=organisation_id,
                name=f"probe {status}{' kept' if 'keep' in request.args else ''}",
            )
        )
        if "keep" in request.args:
            keep_writes()
        if "crash" in request.args:
            raise RuntimeError("the view failed after writing")
        if status == 404:
            abort(404)
        return "", status

    app.add_url_rule("/probe/<int:status>", "probe", write)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer 500 as in production
    return app.test_client()


@pytest.mark.parametrize(
    ("url", "status", "stored"),
    [
        ("/probe/200", 200, ["probe 200"]),
        ("/probe/303", 303, ["probe 303"]),
        ("/probe/400", 400, []),
        ("/probe/409", 409, []),
        ("/probe/404", 404, []),
        ("/probe/401?keep", 401, ["probe 401 kept"]),
        ("/probe/200?keep&crash", 500, []),  # keep_writes never keeps the writes of a crash
    ],
)
def test_the_status_decides_whether_the_request_commits(
    app: Flask, probe: FlaskClient, url: str, status: int, stored: list[str]
) -> None:
    assert probe.get(url).status_code == status
    assert _labels(app) == stored


@contextmanager
def _commits_fail(app: Flask) -> Iterator[None]:
    """Every commit of the app's sessions fails inside the block; the app answers 500 for it."""

    def refuse(_session: Any) -> None:
        raise RuntimeError("the database refused the commit")

    factory = app.extensions["portal.sessionmaker"]
    app.config["PROPAGATE_EXCEPTIONS"] = False
    event.listen(factory, "before_commit", refuse)
    try:
        yield
    finally:
        event.remove(factory, "before_commit", refuse)


def test_no_receipt_is_shown_for_a_report_whose_commit_failed(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    token = get_csrf(client, "/report")
    data = {"kind": "influence", "category": "threats", "description": DESCRIPTION, "csrf_token": token}
    with _commits_fail(app):
        assert client.post("/report", data=data).status_code == 500
    assert report_count(app) == 0
    # The view put the code in the session for the receipt; that session was not saved.
    receipt = client.get("/report/receipt")
    assert receipt.status_code == 302 and receipt.location.endswith("/")
    report_and_get_code(client)  # the same reporter can send it again
    assert report_count(app) == 1


def test_a_log_in_whose_commit_failed_is_no_log_in(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    token = get_csrf(client, "/moderation/login")
    data = {"username": "admin", "password": admin.password, "totp": admin.next_code(), "csrf_token": token}
    with _commits_fail(app):
        assert client.post("/moderation/login", data=data).status_code == 500
    assert client.get("/moderation/").status_code == 302  # still sent to the log-in page
    assert "auth:login:succeeded" not in events(app)
    assert auth.login(admin).status_code == 302


def test_a_refused_log_in_keeps_its_count_and_its_audit_event(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    assert auth.login(admin, password="not the passphrase at all").status_code == 401
    with Session(app.extensions["portal.engine"]) as db:
        assert db.scalars(select(User.failed_logins).where(User.username == "admin")).one() == 1
    assert events(app)[-1] == "auth:login:failed"


def test_a_case_page_shown_beside_a_refused_form_is_still_audited(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    report_and_get_code(app.test_client())
    report_id = only_report_id(app)
    auth.login(admin)
    refused = act(client, report_id, "status", status="closed", outcome="")  # reads the page, then posts
    assert refused.status_code == 400
    assert events(app, f"case:{report_id}") == ["case:report:viewed", "case:report:viewed"]
    with Session(app.extensions["portal.engine"]) as db:
        assert db.scalars(select(Report.status).where(Report.id == report_id)).one().value == "new"


def test_log_out_is_audited(app: Flask, client: FlaskClient, admin: Account, auth: AuthActions) -> None:
    auth.login(admin)
    token = get_csrf(client, "/moderation/")
    assert client.post("/moderation/logout", data={"csrf_token": token}).status_code == 302
    assert events(app)[-1] == "auth:logout:done"


def test_a_refused_new_thread_leaves_no_empty_thread(app: Flask) -> None:
    # create_thread writes the thread (for its id) before the watched words refuse the post: the
    # 400 rolls that back, so no thread without posts is left behind.
    seed(app)
    with Session(app.extensions["portal.engine"]) as db:
        forum_moderation.add_word(db, "idiot", WordAction.BLOCK, None)
        db.commit()
    refused = new_thread(app.test_client(), "Rubrik", "Han kallade mig idiot inför alla.", action="send")
    assert refused.status_code == 400
    with Session(app.extensions["portal.engine"]) as db:
        assert db.scalars(select(Thread.id)).all() == []
