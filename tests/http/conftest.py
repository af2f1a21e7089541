"""Fixtures of the HTTP tests that need more than one app (``instance``: backups, restores) or a
mail server (``mailbox``)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from flask import Flask

from portal import create_app, dispose
from portal.config import Config
from tests.backup_helpers import Instance, fresh_config
from tests.mailbox import Mailbox, start
from tests.migration_helpers import migrate


@pytest.fixture
def instance(config: Config, tmp_path: Path) -> Iterator[Instance]:
    """``instance(revision, postgres, secret_key)``: an app on a new database (default: this run's)."""
    numbers = itertools.count()
    with ExitStack() as stack:

        def build(revision: str | None = "head", postgres: bool | None = None, secret_key: str = "") -> Flask:
            on_postgres = bool(config.database_url) if postgres is None else postgres
            base = config.replace(secret_key=secret_key or config.secret_key)
            app = create_app(fresh_config(stack, base, tmp_path / f"instance-{next(numbers)}", on_postgres))
            stack.callback(dispose, app)
            if revision:
                migrate(app, revision)
            return app

        yield build


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    controller = start(box)
    yield box
    controller.stop()
