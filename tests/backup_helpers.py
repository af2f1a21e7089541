"""Backups in tests: instances on databases of their own, and the backup commands with a
passphrase in a file (as operators are told to give it)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from flask import Flask

from portal.config import Config
from tests.scratch_backend import scratch_postgres
from tests.settings import PG_URL, REDIS_URL

PASSPHRASE = "sex slumpade ord om kaffe och regn"

# The ``instance`` fixture (tests/http/conftest.py): ``instance(revision, postgres, secret_key)``.
Instance = Callable[..., Flask]


def fresh_config(stack: ExitStack, base: Config, directory: Path, postgres: bool) -> Config:
    config = base.replace(instance_path=directory)
    if not postgres:
        return config.replace(database_url="", redis_url="")
    scratch = stack.enter_context(scratch_postgres(PG_URL, REDIS_URL, label="backup"))
    return config.replace(
        database_url=scratch.database_url, redis_url=REDIS_URL, redis_prefix=scratch.redis_prefix
    )


def backup_cli(app: Flask, *args: str, stdin: str | None = None) -> Any:
    return app.test_cli_runner().invoke(args=["backup", *args], input=stdin)


def passphrase_file(directory: Path, passphrase: str = PASSPHRASE) -> Path:
    path = directory / f"passphrase-{secrets.token_hex(4)}"
    path.write_text(passphrase + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


def with_passphrase(app: Flask, command: str, path: Path, *extra: str, passphrase: str = PASSPHRASE) -> Any:
    """``backup COMMAND FILE --passphrase-file …`` (``extra``: more options)."""
    return backup_cli(
        app, command, str(path), "--passphrase-file", str(passphrase_file(path.parent, passphrase)), *extra
    )
