"""The instance folder is the portal's alone (threat 2: another account on the same server).

The attack is the simplest there is: another user of the machine reads the files. SQLite creates
its database, ``-wal`` and ``-shm`` with 0644 by default, so anyone could copy the database and
its write-ahead log. After a run that creates the database, takes a report and writes a backup,
under a umask that lets everything through, no file or directory under the instance folder may
carry a group or other bit; a database and folder left too open by an older version are closed
at start-up, and the log says so.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from portal import create_app, dispose
from portal.config import Config
from portal.models import Role
from tests.accounts import make_account
from tests.reporting_helpers import report_and_get_code
from tests.settings import CHEAP_KDF

PASSPHRASE = "five random words for the backup file"


@pytest.fixture
def open_umask() -> Iterator[None]:
    before = os.umask(0o000)  # more permissive than any real server's: modes must not rely on it
    try:
        yield
    finally:
        os.umask(before)


def _modes(folder: Path) -> dict[str, str]:
    paths = [folder, *folder.rglob("*")]
    return {str(path.relative_to(folder.parent)): oct(stat.S_IMODE(path.stat().st_mode)) for path in paths}


def _settings(config: Config) -> Config:
    """The way the portal reads its configuration, with the development secret it writes itself."""
    return Config.from_env(
        {},
        instance_path=config.instance_path,
        testing=True,
        database_url=config.database_url,
        redis_url=config.redis_url,
        redis_prefix=config.redis_prefix,
        **CHEAP_KDF,
    )


def test_nothing_under_the_instance_folder_is_readable_by_group_or_others(
    config: Config, tmp_path: Path, open_umask: None
) -> None:
    instance = config.instance_path
    assert not instance.exists()
    app = create_app(_settings(config))
    try:
        runner = app.test_cli_runner()
        assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
        make_account(app, "admin", Role.ADMIN)
        report_and_get_code(app.test_client())
        passphrase_file = tmp_path / "passphrase"
        passphrase_file.write_text(PASSPHRASE + "\n")
        passphrase_file.chmod(0o600)
        backup = instance / "nightly.backup"
        result = runner.invoke(
            args=["backup", "create", str(backup), "--passphrase-file", str(passphrase_file)]
        )
        assert result.exit_code == 0, result.output
        modes = _modes(instance)
    finally:
        dispose(app)
    assert "instance/nightly.backup" in modes and "instance/secret_key" in modes
    if config.database_url == "":  # SQLite: the database and, while it is open, its WAL and index
        assert {
            "instance/portal.sqlite3",
            "instance/portal.sqlite3-wal",
            "instance/portal.sqlite3-shm",
        } <= set(modes)
    assert modes["instance"] == "0o700"
    assert {path: mode for path, mode in modes.items() if path != "instance"} == dict.fromkeys(
        [path for path in modes if path != "instance"], "0o600"
    )


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_database_and_folder_left_readable_are_closed_at_start_up(
    config: Config, caplog: pytest.LogCaptureFixture
) -> None:
    instance = config.instance_path
    instance.mkdir(mode=0o755)
    instance.chmod(0o755)
    database = instance / "portal.sqlite3"
    sqlite3.connect(database).close()
    database.chmod(0o644)  # as an older version left it
    with caplog.at_level(logging.WARNING):
        app = create_app(_settings(config))
    try:
        modes = _modes(instance)
    finally:
        dispose(app)
    assert modes["instance"] == "0o700" and modes["instance/portal.sqlite3"] == "0o600"
    assert "portal.sqlite3" in caplog.text and "0o644" in caplog.text and "0o600" in caplog.text
    assert "instance" in caplog.text and "0o755" in caplog.text
