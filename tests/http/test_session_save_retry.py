"""A report committed just before its session's store fails for a moment still gets its receipt
(portal/retry.py): the session's save is asked again instead of answering 503 for a stored report.
A store that stays down gets the calm 503, which saves no session."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from portal.models import Report
from tests.accounts import Account
from tests.reporting_helpers import DESCRIPTION, receipt_code, submit


def _failing_once(app: Flask, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    store = app.session_interface.store  # type: ignore[attr-defined]
    real_save = store.save
    failures: list[str] = []

    def save(*args: Any, **kwargs: Any) -> bool:
        if not failures:
            failures.append("down")
            raise OperationalError("INSERT INTO server_sessions", {}, ConnectionError("the server restarts"))
        return bool(real_save(*args, **kwargs))

    monkeypatch.setattr(store, "save", save)
    return failures


def test_a_store_down_for_a_moment_after_the_commit_still_gives_the_receipt(
    app: Flask, client: FlaskClient, admin: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    failures = _failing_once(app, monkeypatch)
    response = submit(client)
    assert failures == ["down"]
    assert response.status_code == 303 and response.headers["Location"] == "/report/receipt"
    assert len(receipt_code(client)) == 19  # XXXX-XXXX-XXXX-XXXX
    with app.extensions["portal.sessionmaker"]() as db:
        assert db.scalar(select(func.count()).select_from(Report)) == 1


def test_a_store_that_stays_down_answers_the_503_with_the_text_and_logs_no_trace(
    app: Flask,
    client: FlaskClient,
    admin: Account,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error handlers answer
    store = app.session_interface.store  # type: ignore[attr-defined]

    def save(*args: Any, **kwargs: Any) -> bool:
        raise OperationalError("INSERT INTO server_sessions", {"data": "ciphertext"}, ConnectionError("gone"))

    monkeypatch.setattr(store, "save", save)
    response = submit(client)
    page = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "60"
    assert DESCRIPTION in page and "Skicka igen" in page  # "Send again"
    # The 503 page asks no session store: Flask would log "Request finalizing failed" with the
    # statement and its parameters.
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR] == []
    assert "portal_session" not in response.headers.get("Set-Cookie", "")
