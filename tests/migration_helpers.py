"""Rows written with plain SQL in the schema of an old migration, independent of today's models.

The tables below copy the columns of migrations 0001, 0002 and 0004 as they were written then;
the values are real key material (made with the portal's crypto), so that after ``db upgrade`` a
moderator can log in and a reporter can open the report with the code, over HTTP.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pyotp
import sqlalchemy as sa
from flask import Flask

from portal import create_app, dispose, installation
from portal.accounts import service as accounts
from portal.config import Config
from portal.security import codes, crypto, passwords
from tests.accounts import PASSWORD, Account

DESCRIPTION_0002 = "Skrivet före uppgraderingen: nämndens ordförande ringde mig hemma om bygglovet."
MESSAGE_0002 = "Svar från moderatorn, skrivet före uppgraderingen."
FILE_0002 = b"bilaga skriven med schema 0002\n"
CREATED_ON = dt.date(2026, 1, 15)
CREATED_AT = dt.datetime(2026, 1, 15, 8, 30, 0, 123456)  # naive UTC, as the UTCDateTime columns keep it

_installation = sa.table(
    "installation",
    sa.column("id", sa.Integer),
    sa.column("code_salt", sa.LargeBinary),
    sa.column("org_public_key", sa.LargeBinary),
    sa.column("org_private_key_recovery", sa.LargeBinary),
    sa.column("created_at", sa.DateTime),
)
_users = sa.table(
    "users",
    sa.column("id", sa.Integer),
    sa.column("username", sa.String),
    sa.column("role", sa.String),
    sa.column("password_hash", sa.String),
    sa.column("totp_secret_encrypted", sa.LargeBinary),
    sa.column("totp_last_step", sa.Integer),
    sa.column("public_key", sa.LargeBinary),
    sa.column("private_key_wrapped", sa.LargeBinary),
    sa.column("kdf_salt", sa.LargeBinary),
    sa.column("org_key_sealed", sa.LargeBinary),
    sa.column("active", sa.Boolean),
    sa.column("failed_logins", sa.Integer),
    sa.column("locked_until", sa.DateTime),
    sa.column("created_at", sa.DateTime),
)
_audit_events = sa.table(
    "audit_events",
    sa.column("at", sa.DateTime),
    sa.column("actor_id", sa.Integer),
    sa.column("event", sa.String),
    sa.column("subject", sa.String),
)
_reports = sa.table(
    "reports",
    sa.column("id", sa.Integer),
    sa.column("lookup", sa.LargeBinary),
    sa.column("kind", sa.String),
    sa.column("category", sa.String),
    sa.column("area", sa.String),
    sa.column("reported_to_incident_system", sa.Boolean),
    sa.column("reported_to_police", sa.Boolean),
    sa.column("wants_acknowledgement", sa.Boolean),
    sa.column("status", sa.String),
    sa.column("created_on", sa.Date),
    sa.column("key_sealed", sa.LargeBinary),
    sa.column("key_wrapped", sa.LargeBinary),
    sa.column("description", sa.LargeBinary),
    sa.column("moderator_messages", sa.Integer),
    sa.column("reporter_seen_messages", sa.Integer),
    sa.column("reporter_seen_status", sa.String),
    sa.column("last_seq", sa.Integer),
)
_messages = sa.table(
    "messages",
    sa.column("report_id", sa.Integer),
    sa.column("seq", sa.Integer),
    sa.column("author", sa.String),
    sa.column("author_user_id", sa.Integer),
    sa.column("body", sa.LargeBinary),
    sa.column("created_on", sa.Date),
)
_attachments = sa.table(
    "attachments",
    sa.column("report_id", sa.Integer),
    sa.column("message_seq", sa.Integer),
    sa.column("meta", sa.LargeBinary),
    sa.column("content", sa.LargeBinary),
    sa.column("size", sa.Integer),
    sa.column("created_on", sa.Date),
)

# 0004's boards had a column per language; 0007 turned them into forum_board_texts rows.
BOARD_COLUMNS_0004 = ("name_sv", "name_en", "description_sv", "description_en")
_boards_0004 = sa.table(
    "forum_boards",
    sa.column("id", sa.Integer),
    sa.column("slug", sa.String),
    *(sa.column(name, sa.String) for name in BOARD_COLUMNS_0004),
    sa.column("position", sa.Integer),
    sa.column("moderation", sa.String),
    sa.column("slow_mode_seconds", sa.Integer),
)
# forum_threads as 0004 made it (unchanged until 0009 added the token).
THREADS_0004 = sa.table(
    "forum_threads",
    sa.column("id", sa.Integer),
    sa.column("board_id", sa.Integer),
    sa.column("title", sa.String),
    sa.column("created_on", sa.Date),
    sa.column("last_activity_on", sa.Date),
    sa.column("approved_posts", sa.Integer),
    sa.column("writers", sa.Integer),
    sa.column("locked", sa.Boolean),
    sa.column("hidden", sa.Boolean),
)
BOARDS_0004 = {
    "fortroendevalda": {
        "name_sv": "Hot mot förtroendevalda",
        "name_en": "Threats to elected officials",
        "description_sv": "När någon försökt skrämma en ledamot till ett beslut.",
        "description_en": "When someone tried to scare a member into a decision.",
    },
    "skript-i-namnet": {
        "name_sv": '<script>alert("namn")</script> & "citat"',
        "name_en": "</legend><img src=x onerror=alert(1)>",
        "description_sv": "<b>fet</b> beskrivning",
        "description_en": "'><svg onload=alert(2)>",
    },
}


@dataclass(frozen=True)
class OldData:
    account: Account
    org_private_key: bytes
    code: str = ""


@contextmanager
def unmigrated_app(config: Config) -> Iterator[Flask]:
    """An app on an empty database (the ``app`` fixture would create today's tables)."""
    app = create_app(config)
    try:
        yield app
    finally:
        dispose(app)


def read(app: Flask, sql: str) -> list[tuple[Any, ...]]:
    """The rows a plain SQL query returns, as tuples."""
    with app.extensions["portal.engine"].connect() as conn:
        return [tuple(row) for row in conn.execute(sa.text(sql))]


def migrate(app: Flask, revision: str = "head") -> None:
    result = app.test_cli_runner().invoke(args=["db", "upgrade", revision])
    assert result.exit_code == 0, result.output + repr(result.exception)


def unmigrate(app: Flask, revision: str) -> None:
    result = app.test_cli_runner().invoke(args=["db", "downgrade", revision])
    assert result.exit_code == 0, result.output + repr(result.exception)


def write_0001(app: Flask, username: str = "oldadmin") -> OldData:
    """The installation row, an admin holding the organisation key, and an audit event."""
    config = app.config["PORTAL"]
    cost = installation.kdf_cost(config)
    org = crypto.KeyPair.generate()
    own = crypto.wrap_key_pair(crypto.KeyPair.generate(), PASSWORD, cost)
    totp_secret = pyotp.random_base32()
    with app.extensions["portal.engine"].begin() as conn:
        conn.execute(
            sa.insert(_installation).values(
                id=installation.INSTALLATION_ID,
                code_salt=crypto.new_key(),
                org_public_key=org.public,
                org_private_key_recovery=crypto.wrap(crypto.new_key(), org.private),
                created_at=CREATED_AT,
            )
        )
        conn.execute(
            sa.insert(_users).values(
                username=username,
                role="admin",
                password_hash=passwords.hasher(cost).hash(PASSWORD),
                totp_secret_encrypted=accounts.encrypt_totp_secret(totp_secret, config),
                totp_last_step=0,
                public_key=own.public,
                private_key_wrapped=own.private_wrapped,
                kdf_salt=own.kdf_salt,
                org_key_sealed=crypto.seal(own.public, org.private),
                active=True,
                failed_logins=0,
                locked_until=None,
                created_at=CREATED_AT,
            )
        )
        user_id = conn.scalar(sa.select(_users.c.id).where(_users.c.username == username))
        conn.execute(
            sa.insert(_audit_events).values(
                at=CREATED_AT, actor_id=user_id, event="user:account:created", subject=None
            )
        )
    return OldData(Account(username, PASSWORD, totp_secret, None), org.private)


def write_0002_report(app: Flask, old: OldData) -> OldData:
    """A report with a moderator's message and a file, encrypted as the portal does it."""
    cost = installation.kdf_cost(app.config["PORTAL"])
    code = codes.generate()
    with app.extensions["portal.engine"].begin() as conn:
        salt = conn.scalar(sa.select(_installation.c.code_salt))
        org_public = conn.scalar(sa.select(_installation.c.org_public_key))
        user_id = conn.scalar(sa.select(_users.c.id).where(_users.c.username == old.account.username))
        keys = codes.derive(codes.normalize(code), salt, cost)
        report_key = crypto.new_key()
        report_id = conn.execute(
            sa.insert(_reports)
            .values(
                kind="whistleblowing",
                category="bribery",
                area="housing",
                status="new",
                reporter_seen_status="new",
                reported_to_incident_system=False,
                reported_to_police=True,
                wants_acknowledgement=True,
                created_on=CREATED_ON,
                lookup=keys.lookup,
                key_sealed=crypto.seal(org_public, report_key),
                key_wrapped=crypto.wrap(keys.unwrap, report_key),
                description=crypto.wrap(report_key, DESCRIPTION_0002.encode()),
                moderator_messages=1,
                reporter_seen_messages=0,
                last_seq=1,
            )
            .returning(_reports.c.id)
        ).scalar_one()
        conn.execute(
            sa.insert(_messages).values(
                report_id=report_id,
                seq=1,
                author="moderator",
                author_user_id=user_id,
                body=crypto.wrap(report_key, MESSAGE_0002.encode()),
                created_on=CREATED_ON,
            )
        )
        meta = {"name": "anteckning.txt", "type": "text/plain", "warning": True}
        conn.execute(
            sa.insert(_attachments).values(
                report_id=report_id,
                message_seq=None,
                size=len(FILE_0002),
                meta=crypto.wrap(report_key, json.dumps(meta).encode()),
                content=crypto.wrap(report_key, FILE_0002),
                created_on=CREATED_ON,
            )
        )
    return OldData(old.account, old.org_private_key, code)


def write_0004_boards(app: Flask) -> None:
    """Two boards of an admin's own (one named like an attack), each with a thread."""
    with app.extensions["portal.engine"].begin() as conn:
        for position, (slug, texts) in enumerate(BOARDS_0004.items(), start=10):
            board_id = conn.execute(
                sa.insert(_boards_0004)
                .values(slug=slug, position=position, moderation="post", slow_mode_seconds=30, **texts)
                .returning(_boards_0004.c.id)
            ).scalar_one()
            conn.execute(
                sa.insert(THREADS_0004).values(
                    board_id=board_id,
                    title=f"En tråd i {slug}",
                    created_on=CREATED_ON,
                    last_activity_on=CREATED_ON,
                    approved_posts=0,
                    writers=0,
                    locked=False,
                    hidden=False,
                )
            )


def boards_0004(app: Flask) -> dict[str, dict[str, str]]:
    """Every board's names and descriptions, read from 0004's columns, by slug."""
    columns = [_boards_0004.c[name] for name in BOARD_COLUMNS_0004]
    with app.extensions["portal.engine"].connect() as conn:
        rows = conn.execute(sa.select(_boards_0004.c.slug, *columns))
        return {slug: dict(zip(BOARD_COLUMNS_0004, values, strict=True)) for slug, *values in rows}
