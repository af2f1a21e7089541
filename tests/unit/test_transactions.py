"""The transaction rule (docs/development.md, *Transactions*): one place commits.

Services add and flush; a request's transaction is committed by the hook in ``portal/db.py``, a
command's or timer's by ``transaction()`` there. The source is read, not imported, so a commit
added anywhere else fails here with its file and line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal import organisations
from portal.db import transaction
from portal.models import Label

ROOT = Path(__file__).resolve().parents[2]


class _Calls(ast.NodeVisitor):
    """Every call of ``<anything>.<name>(…)`` or ``<name>(…)``, with its enclosing function."""

    def __init__(self, name: str, where: str) -> None:
        self.name, self.where = name, where
        self.function = "<module>"
        self.found: list[tuple[str, str]] = []

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        outer, self.function = self.function, node.name
        self.generic_visit(node)
        self.function = outer

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        called = (
            func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        )
        if called == self.name:
            self.found.append((self.where, self.function))
        self.generic_visit(node)


def _calls(name: str) -> list[tuple[str, str]]:
    """(file, enclosing function) of every call of ``name`` in portal/, sorted."""
    found = []
    for path in sorted((ROOT / "portal").rglob("*.py")):
        visitor = _Calls(name, path.relative_to(ROOT).as_posix())
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        found += visitor.found
    return sorted(found)


def test_only_portal_db_commits() -> None:
    assert _calls("commit") == [
        ("portal/db.py", "_end_transaction"),  # a request's one commit
        ("portal/db.py", "transaction"),  # a command's or timer's
    ]


def test_commands_and_timers_open_their_sessions_through_transaction() -> None:
    assert _calls("new_session") == [("portal/db.py", "db_session"), ("portal/db.py", "transaction")]


def _labels(app: Flask) -> int:
    with app.app_context(), transaction() as db:
        return int(db.scalar(select(func.count()).select_from(Label)) or 0)


def test_a_transaction_commits_when_its_block_ends(app: Flask) -> None:
    with app.app_context(), transaction() as db:
        db.add(Label(organisation_id=organisations.only(db).id, name="hot"))
    assert _labels(app) == 1


@pytest.mark.parametrize("failure", [RuntimeError("crash"), SystemExit(1)])
def test_a_transaction_rolls_back_when_its_block_raises(app: Flask, failure: BaseException) -> None:
    with pytest.raises(type(failure)), app.app_context(), transaction() as db:
        db.add(Label(organisation_id=organisations.only(db).id, name="hot"))
        db.flush()  # written to the database, not yet committed
        raise failure
    assert _labels(app) == 0
