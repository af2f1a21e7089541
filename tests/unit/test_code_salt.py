"""The code salt is remembered per process only once it is committed (portal/installation.py)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from portal import installation
from portal.db import transaction
from portal.models import Installation


def test_a_salt_from_a_transaction_that_rolled_back_is_not_remembered(app: Flask) -> None:
    # The row made (and flushed) in a transaction that then rolls back: a salt remembered from it
    # would derive every later code lookup of this process from a salt no row holds, and reporters
    # could no longer open their cases here.
    with app.app_context():
        engine = app.extensions["portal.engine"]
        with Session(engine) as db:
            phantom = installation.get(db).code_salt
            assert installation.code_salt(db) == phantom
            db.rollback()
        with transaction() as db:
            kept = installation.get(db).code_salt
        assert kept != phantom
        with Session(engine) as db:
            assert installation.code_salt(db) == kept == db.get_one(Installation, 1).code_salt
