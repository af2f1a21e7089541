"""What the notice fault tests set up: moderators with notice addresses, and the portal's SMTP
settings pointing at a mail server process of tests/faults/smtp_server.py."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from portal.accounts import service as accounts
from portal.config import Config
from tests.accounts import make_account
from tests.faults.smtp_server import SmtpServer

STEP_SECONDS = 1  # PORTAL_SMTP_TIMEOUT_SECONDS in these runs: a run ends after 3 s of waiting


def with_addresses(app: Flask, *names: str) -> None:
    """Accounts ``names`` (admin exists already), each with the notice address name@example.org."""
    for name in names:
        if name != "admin":
            make_account(app, name)
    with app.app_context(), Session(app.extensions["portal.engine"]) as db:
        actor = accounts.find(db, "admin")
        for name in names:
            accounts.set_notify_email(db, accounts.find(db, name), f"{name}@example.org", actor)
        db.commit()


def with_smtp(config: Config, server: SmtpServer) -> Config:
    return config.replace(
        smtp_host="127.0.0.1",
        smtp_port=server.port,
        smtp_starttls=False,
        smtp_from="portal@example.org",
        smtp_timeout_seconds=STEP_SECONDS,
    )
