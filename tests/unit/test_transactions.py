"""The transaction rule (docs/development.md, *Transactions*): one place commits.

A command's or timer's unit of work is ``transaction()`` in ``portal/db.py``.
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.db import transaction
from portal.models import Label


def _labels(app: Flask) -> int:
    with app.app_context(), transaction() as db:
        return int(db.scalar(select(func.count()).select_from(Label)) or 0)


def test_a_transaction_commits_when_its_block_ends(app: Flask) -> None:
    with app.app_context(), transaction() as db:
        db.add(Label(name="hot"))
    assert _labels(app) == 1


@pytest.mark.parametrize("failure", [RuntimeError("crash"), SystemExit(1)])
def test_a_transaction_rolls_back_when_its_block_raises(app: Flask, failure: BaseException) -> None:
    with pytest.raises(type(failure)), app.app_context(), transaction() as db:
        db.add(Label(name="hot"))
        db.flush()  # written to the database, not yet committed
        raise failure
    assert _labels(app) == 0
