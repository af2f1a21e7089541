"""The portal as the browser suite meets it: one gunicorn process on loopback, SQLite in a tmp dir.

The first admin is made the operator's way (``flask users create`` in a subprocess, which also
creates the organisation key and prints the recovery key). Each test then gets a moderator of its
own, because a TOTP step is accepted only once per account: one shared account would run out of
fresh steps after three log-ins and make the suite wait for the clock.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import subprocess
import sys
import uuid
from pathlib import Path

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import create_app, dispose
from portal.accounts import grants
from portal.accounts import service as accounts
from portal.cases import access_jobs
from portal.config import Config
from portal.forum import service as forum_service
from portal.models import Report, Role
from tests import live_server
from tests.accounts import PASSWORD, Account
from tests.settings import CHEAP_KDF

# One browser drives every path from one address: the limits must not be what a test meets.
GENEROUS_LIMIT = "10000 per minute"
ADMIN = "admin"


def portal_config(instance: Path, port: int) -> Config:
    limits = {f.name: GENEROUS_LIMIT for f in dataclasses.fields(Config) if f.name.startswith("limit_")}
    return Config(
        secret_key="browser-" + uuid.uuid4().hex,
        instance_path=instance,
        base_url=f"http://127.0.0.1:{port}",
        **CHEAP_KDF,
    ).replace(**limits)


def _printed(name: str, output: str) -> str:
    match = re.search(rf"^{name}: (\S+)$", output, re.MULTILINE)
    assert match, f"`users create` printed no {name}:\n{output}"
    return match.group(1)


def create_first_admin(config: Config) -> subprocess.Popen[str]:
    """Start making the first account with the CLI (it runs while the server boots)."""
    command = ["users", "create", ADMIN, "--role", "admin", "--password-stdin"]
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", *command],
        cwd=live_server.ROOT,
        env=live_server.environment(config),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return process


def first_admin(process: subprocess.Popen[str]) -> tuple[Account, str]:
    """The account the CLI made, and the recovery key it printed."""
    output, _ = process.communicate(PASSWORD + "\n", timeout=60)
    assert process.returncode == 0, output
    return Account(ADMIN, PASSWORD, _printed("TOTP secret", output), None), _printed("Recovery key", output)


@dataclasses.dataclass
class LivePortal:
    server: live_server.LiveServer
    config: Config
    admin: Account
    recovery_key: str
    app: Flask  # in the test process, on the server's database: seeds boards and moderators
    _numbers: itertools.count[int] = dataclasses.field(default_factory=lambda: itertools.count(1))

    @property
    def origin(self) -> str:
        return self.server.base_url

    def new_admin(self) -> Account:
        """An administrator holding the organisation key (granted with the recovery key): a test
        logs in as one of its own, so that the first admin's codes are not spent."""
        return self._new_account(Role.ADMIN)

    def new_moderator(self) -> Account:
        """A moderator with access to every case (granted with the recovery key, as `keys recover`
        does: the access job, in this process, has sealed their case keys when this returns)."""
        return self._new_account(Role.MODERATOR)

    def _new_account(self, role: Role) -> Account:
        name = f"{role.value}{next(self._numbers)}"
        with self.app.app_context(), Session(self.app.extensions["portal.engine"]) as db:
            created = accounts.create_user(db, name, role, PASSWORD, self.config)
            grants.recover(db, accounts.find(db, name), self.recovery_key)
            db.commit()
        access_jobs.wait()
        return Account(name, PASSWORD, created.totp_secret, None)

    def newest_report(self) -> Report:
        """The plain metadata of the newest report (what the queue shows; the text stays sealed)."""
        with Session(self.app.extensions["portal.engine"], expire_on_commit=False) as db:
            row = db.scalar(select(Report).order_by(Report.id.desc()).limit(1))
            assert row is not None
            db.expunge(row)
            return row

    def stop(self) -> None:
        self.server.stop()
        dispose(self.app)


def start_portal(instance: Path, workers: int = 2) -> LivePortal:
    port = live_server.free_port()
    config = portal_config(instance, port)
    live_server.migrate(config)
    making_admin = create_first_admin(config)
    try:
        server = live_server.start(
            config, instance / "server.log", workers=workers, port=port, migrate_first=False
        )
    except BaseException:
        making_admin.kill()
        making_admin.communicate()
        raise
    try:
        admin, recovery_key = first_admin(making_admin)
        app = create_app(config)
        with app.app_context(), Session(app.extensions["portal.engine"]) as db:
            forum_service.seed_default_boards(db)
            db.commit()
    except BaseException:
        server.stop()
        raise
    return LivePortal(server, config, admin, recovery_key, app)
