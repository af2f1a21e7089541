"""A report committed just before its session's store fails for a moment still gets its receipt
(portal/retry.py): the session's save is asked again instead of answering 503 for a stored report."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from portal.models import Report
from tests.accounts import Account
from tests.reporting_helpers import receipt_code, submit


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
