"""Backups from the operator's side: ``flask --app wsgi backup create|verify|restore FILE``.

Every instance here is migrated with ``db upgrade`` (as in production) on a database of its own;
the restored one shares only ``PORTAL_SECRET_KEY`` with the original (docs/backup.md).
"""

from __future__ import annotations

import io
import re
import secrets
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.backup import database, service
from portal.config import Config
from portal.db import Base
from portal.models import Role, User
from portal.security.sessions import COOKIE_NAME
from tests.accounts import Account, AuthActions, make_account
from tests.backup_helpers import PASSPHRASE, Instance, backup_cli, with_passphrase
from tests.migration_helpers import DESCRIPTION_0002, MESSAGE_0002, migrate, write_0001, write_0002_report
from tests.moderation_helpers import case_html, events
from tests.reporting_helpers import (
    attachment_contents,
    case_page,
    moderator_answers,
    only_report_id,
    open_with_code,
    report_and_get_code,
    report_count,
)

NEW_PASSWORD = "a whole new passphrase here"
CANARY = "KANARIEFÅGEL: ordföranden hotade mig i korridoren efter mötet om bidraget."
ANSWER = "KANARIESVAR: vi har tagit emot din anmälan och pratar med din chef."
# Large and random enough to fill several encrypted frames: a late one can then be damaged.
FILE_CANARY = b"KANARIEFIL\n" + secrets.token_hex(150_000).encode() + b"\n"


def _populated(app: Flask) -> tuple[Account, str, int, str]:
    """An admin, a report with a file and an answer, and a moderator logged in: (admin, code, id, cookie)."""
    admin = make_account(app, "admin", Role.ADMIN)
    code = report_and_get_code(
        app.test_client(), description=CANARY, attachments=[(io.BytesIO(FILE_CANARY), "anteckning.txt")]
    )
    report_id = only_report_id(app)
    moderator_answers(app, admin, report_id, ANSWER)
    moderator = app.test_client()
    assert AuthActions(moderator).login(admin).status_code == 302
    cookie = moderator.get_cookie(COOKIE_NAME)
    assert cookie is not None
    return admin, code, report_id, cookie.value


def _users(app: Flask) -> int:
    with Session(app.extensions["portal.engine"]) as db:
        return int(db.scalar(select(func.count()).select_from(User)) or 0)


def _restored_portal_works(target: Flask, admin: Account, code: str, report_id: int) -> None:
    reporter = target.test_client()
    assert open_with_code(reporter, code).status_code == 303
    page = case_page(reporter)
    assert CANARY in page and ANSWER in page
    moderator = target.test_client()
    response = AuthActions(moderator).login(admin)
    assert response.status_code == 302 and response.location.endswith("/moderation/")
    assert CANARY in case_html(moderator, report_id)
    assert attachment_contents(target, admin) == [FILE_CANARY]
    # New rows get new ids (PostgreSQL's sequences were moved past the restored ones).
    report_and_get_code(target.test_client())
    assert report_count(target) == 2


def test_round_trip_opens_an_old_report_by_its_code(instance: Instance, tmp_path: Path) -> None:
    source = instance()
    admin, code, report_id, session_cookie = _populated(source)
    path = tmp_path / "portal.tbak"
    created = with_passphrase(source, "create", path)
    assert created.exit_code == 0, created.output
    assert "Backup written" in created.output and path.stat().st_mode & 0o777 == 0o600
    assert "admin:backup:created" in events(source)

    data = path.read_bytes()
    for plaintext in (CANARY.encode(), ANSWER.encode(), FILE_CANARY[:40], b"$argon2id$", b"installation"):
        assert plaintext not in data  # the whole stream is encrypted, not only the report contents
    assert "is intact" in with_passphrase(source, "verify", path).output
    every_table = {table.name for table in Base.metadata.sorted_tables} - database.SKIPPED_TABLES
    assert set(service.verify(path, PASSPHRASE).rows) == every_table

    target = instance()
    restored = with_passphrase(target, "restore", path)
    assert restored.exit_code == 0, restored.output
    assert "Restored" in restored.output and "db upgrade" not in restored.output
    assert events(target)[-1] == "admin:backup:restored"
    # Sessions are not in a backup: the moderator's log-in did not come back with the data.
    stolen = target.test_client()
    stolen.set_cookie(COOKIE_NAME, session_cookie)
    assert stolen.get("/moderation/").status_code == 302
    _restored_portal_works(target, admin, code, report_id)


def test_wrong_passphrase_damage_or_truncation_restore_nothing(instance: Instance, tmp_path: Path) -> None:
    source = instance()
    admin, code, report_id, _ = _populated(source)
    path = tmp_path / "portal.tbak"
    assert with_passphrase(source, "create", path).exit_code == 0
    target = instance()

    wrong = with_passphrase(target, "restore", path, passphrase="en helt annan men lång lösenfras")
    assert wrong.exit_code == 1 and "passphrase does not open this backup" in wrong.output
    data = path.read_bytes()
    damaged = tmp_path / "damaged.tbak"
    # The last frame: the rows before it were already inserted when it fails to verify.
    damaged.write_bytes(data[:-40] + bytes([data[-40] ^ 1]) + data[-39:])
    cut = tmp_path / "cut.tbak"
    cut.write_bytes(data[: len(data) * 3 // 4])
    for bad in (damaged, cut):
        for command in ("verify", "restore"):
            refused = with_passphrase(target, command, bad)
            assert refused.exit_code == 1 and "cannot be trusted" in refused.output, refused.output
    assert "Nothing was restored" in refused.output
    assert _users(target) == 0 and report_count(target) == 0

    assert with_passphrase(target, "restore", path).exit_code == 0  # the target was left empty
    _restored_portal_works(target, admin, code, report_id)


def test_restore_refuses_a_used_or_differently_migrated_database(instance: Instance, tmp_path: Path) -> None:
    source = instance()
    make_account(source, "admin", Role.ADMIN)
    path = tmp_path / "portal.tbak"
    assert with_passphrase(source, "create", path).exit_code == 0

    into_itself = with_passphrase(source, "restore", path)
    assert into_itself.exit_code == 1 and "not empty" in into_itself.output
    assert _users(source) == 1
    unmigrated = with_passphrase(instance(revision=None), "restore", path)
    assert unmigrated.exit_code == 1 and "database is at none" in unmigrated.output
    older = with_passphrase(instance(revision="0003"), "restore", path)
    assert older.exit_code == 1 and "database is at 0003" in older.output
    assert "Nothing was restored" in older.output


def test_create_refuses_weak_passphrases_and_existing_files(instance: Instance, tmp_path: Path) -> None:
    app = instance()
    path = tmp_path / "portal.tbak"
    weak = with_passphrase(app, "create", path, passphrase="kort")
    assert weak.exit_code == 1 and "too weak" in weak.output and not path.exists()
    assert backup_cli(app, "create", str(path), stdin="\n").exit_code == 1  # no passphrase at all
    assert not path.exists()
    from_stdin = backup_cli(app, "create", str(path), stdin=PASSPHRASE + "\n")
    assert from_stdin.exit_code == 0, from_stdin.output
    before = path.read_bytes()
    again = backup_cli(app, "create", str(path), stdin=PASSPHRASE + "\n")
    assert again.exit_code == 1 and "exists already" in again.output and path.read_bytes() == before
    assert "is intact" in backup_cli(app, "verify", str(path), stdin=PASSPHRASE + "\n").output
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


def test_a_backup_reads_one_snapshot(instance: Instance) -> None:
    app = instance()
    make_account(app, "ada", Role.ADMIN)
    users = User.__table__
    with database.snapshot(app.extensions["portal.engine"]) as conn:
        assert conn.scalar(select(func.count()).select_from(users)) == 1
        make_account(app, "bo")  # committed by another connection while the backup reads
        assert conn.scalar(select(func.count()).select_from(users)) == 1
    assert _users(app) == 2


def test_an_older_backup_is_restored_at_its_revision_then_upgraded(
    instance: Instance, tmp_path: Path
) -> None:
    source = instance(revision="0002")
    old = write_0002_report(source, write_0001(source))
    path = tmp_path / "old.tbak"
    created = with_passphrase(source, "create", path)
    assert created.exit_code == 0 and "revision 0002" in created.output, created.output

    at_head = with_passphrase(instance(), "restore", path)
    assert at_head.exit_code == 1 and "db upgrade 0002" in at_head.output
    target = instance(revision="0002")
    restored = with_passphrase(target, "restore", path)
    assert restored.exit_code == 0 and "run 'flask --app wsgi db upgrade'" in restored.output
    migrate(target)
    reporter = target.test_client()
    assert open_with_code(reporter, old.code).status_code == 303
    assert DESCRIPTION_0002 in case_page(reporter) and MESSAGE_0002 in case_page(reporter)
    assert AuthActions(target.test_client()).login(old.account).status_code == 302


def test_a_sqlite_backup_moves_to_postgresql(config: Config, instance: Instance, tmp_path: Path) -> None:
    """The format is the same on both backends: a growing installation can move to PostgreSQL."""
    if not config.database_url:
        pytest.skip("runs in the PostgreSQL pass (both backends needed)")
    source = instance(postgres=False)
    admin, code, report_id, _ = _populated(source)
    path = tmp_path / "from-sqlite.tbak"
    assert with_passphrase(source, "create", path).exit_code == 0
    target = instance(postgres=True)
    restored = with_passphrase(target, "restore", path)
    assert restored.exit_code == 0, restored.output
    _restored_portal_works(target, admin, code, report_id)


def test_without_the_old_secret_key_the_recovery_key_restores_access(
    instance: Instance, tmp_path: Path
) -> None:
    """PORTAL_SECRET_KEY lost with the server: reports survive, moderators get new credentials."""
    source = instance()
    admin, code, report_id, _ = _populated(source)
    assert admin.recovery_key
    path = tmp_path / "portal.tbak"
    assert with_passphrase(source, "create", path).exit_code == 0
    target = instance(secret_key="a-new-server-" + secrets.token_hex(16))
    assert with_passphrase(target, "restore", path).exit_code == 0
    reporter = target.test_client()
    assert open_with_code(reporter, code).status_code == 303 and CANARY in case_page(reporter)

    runner = target.test_cli_runner()
    reset = runner.invoke(args=["users", "reset", "admin", "--password-stdin"], input=NEW_PASSWORD + "\n")
    assert reset.exit_code == 0, reset.output
    recovered = runner.invoke(args=["keys", "recover", "admin"], input=admin.recovery_key + "\n")
    assert recovered.exit_code == 0, recovered.output
    totp = re.search(r"TOTP secret: (\S+)", reset.output)
    assert totp
    moderator = target.test_client()
    assert (
        AuthActions(moderator).login(Account("admin", NEW_PASSWORD, totp.group(1), None)).status_code == 302
    )
    assert CANARY in case_html(moderator, report_id)
