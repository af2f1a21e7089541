"""A submission reads the organisation's row once, locked, once its key is known to exist
(``organisations.can_seal``); the locked read still decides (portal/organisations.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from sqlalchemy import event, update
from sqlalchemy.orm import Session

from portal import organisations
from portal.domain import Kind
from portal.models import Organisation
from portal.reporting import service
from tests.accounts import Account

SUBMISSION = service.Submission(kind=Kind.INFLUENCE, description="Chefen sa att jag skulle tiga.")


@contextmanager
def organisation_reads(app: Flask) -> Iterator[list[str]]:
    """The statements that read an organisation's row while the block runs."""
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.lstrip().startswith("SELECT") and "FROM organisations" in statement:
            seen.append(statement)

    engine = app.extensions["portal.engine"]
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_no_key_is_not_remembered(app: Flask) -> None:
    with app.app_context(), Session(app.extensions["portal.engine"]) as db:
        assert organisations.can_seal(db, 1) is False
        assert organisations.can_seal(db, 1) is False  # asked again: the row is read again
        with organisation_reads(app) as reads:
            organisations.can_seal(db, 1)
        assert len(reads) == 1


def test_a_submission_reads_the_row_once_when_the_key_is_known(app: Flask, admin: Account) -> None:
    config = app.config["PORTAL"]
    with app.app_context(), Session(app.extensions["portal.engine"]) as db:
        service.submit(db, 1, SUBMISSION, config)  # the first one learns that the key exists
        db.commit()
        with organisation_reads(app) as reads:
            service.submit(db, 1, SUBMISSION, config)
        db.commit()
    assert len(reads) == 1  # the locked read (FOR SHARE on PostgreSQL), not one more before it


def test_the_locked_read_still_refuses_when_the_key_is_gone(app: Flask, admin: Account) -> None:
    config = app.config["PORTAL"]
    with app.app_context(), Session(app.extensions["portal.engine"]) as db:
        assert organisations.can_seal(db, 1) is True
        db.execute(update(Organisation).values(public_key=None))
        with pytest.raises(service.ReportingUnavailable):
            service.submit(db, 1, SUBMISSION, config)
        db.rollback()
