"""Flask commands: ``db`` (Alembic), ``users``, ``keys``, ``setup-link``."""

from __future__ import annotations

import sys

import click
from alembic import command
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from . import devseed, installation, retention
from .backup.cli import backup_cli
from .db import alembic_config, new_session
from .domain import today
from .models import Role, User
from .moderation import accounts
from .notify.cli import notify_cli
from .operator_cli import check_config_command, status_command
from .security.crypto import DecryptionFailed

db_cli = AppGroup("db", help="Database migrations (Alembic).")
users_cli = AppGroup("users", help="Moderator and admin accounts.")
keys_cli = AppGroup("keys", help="The organisation key.")
dev_cli = AppGroup("dev", help="Development helpers (refused in production).")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the database to REVISION (default: head)."""
    command.upgrade(alembic_config(), revision)


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    command.downgrade(alembic_config(), revision)


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--autogenerate/--empty", default=True)
def db_revision(message: str, autogenerate: bool) -> None:
    """Write a new migration from the difference between models and database."""
    command.revision(alembic_config(), message=message, autogenerate=autogenerate)


@db_cli.command("current")
def db_current() -> None:
    command.current(alembic_config())


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@users_cli.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.MODERATOR.value)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
def users_create(name: str, role: str, password_stdin: bool) -> None:
    """Create a user; prints the TOTP secret (and the recovery key for the very first user)."""
    password = _read_password(password_stdin)
    config = installation.current_config()
    with new_session() as db:
        try:
            account = accounts.create_user(db, name, Role(role), password, config)
        except accounts.WeakPassword as weak:
            _fail("weak password: " + " ".join(weak.problems))
            return
        except accounts.UsernameTaken:
            _fail(f"user {name!r} exists already")
            return
        click.echo(f"TOTP secret: {account.totp_secret}")
        if account.recovery_key:
            click.echo(f"Recovery key: {account.recovery_key}")
        elif not account.user.has_org_key:
            click.echo(
                "An admin must grant this user access to reports (dashboard) before they can read them."
            )


@users_cli.command("list")
def users_list() -> None:
    with new_session() as db:
        for user in db.scalars(select(User).order_by(User.username)):
            state = "active" if user.active else "disabled"
            access = "access" if user.has_org_key else "awaiting-grant"
            click.echo(f"{user.username}\t{user.role.value}\t{state}\t{access}")


@users_cli.command("disable")
@click.argument("name")
def users_disable(name: str) -> None:
    """Disable a user; their sessions end at their next request."""
    with new_session() as db:
        try:
            accounts.disable(db, accounts.find(db, name))
        except accounts.UnknownUser:
            _fail(f"no user {name!r}")
        click.echo(f"{name} disabled")


@users_cli.command("reset")
@click.argument("name")
@click.option("--password-stdin", is_flag=True)
def users_reset(name: str, password_stdin: bool) -> None:
    """New password, TOTP and key pair; an admin must grant the organisation key again."""
    password = _read_password(password_stdin)
    with new_session() as db:
        try:
            secret = accounts.reset(db, accounts.find(db, name), password, installation.current_config())
        except accounts.UnknownUser:
            _fail(f"no user {name!r}")
            return
        except accounts.WeakPassword as weak:
            _fail("weak password: " + " ".join(weak.problems))
            return
        click.echo(f"TOTP secret: {secret}")
        click.echo("An admin must grant this user access again (dashboard), or use 'keys recover'.")


@keys_cli.command("recover")
@click.argument("name")
def keys_recover(name: str) -> None:
    """Grant NAME the organisation key using the recovery key read from stdin."""
    text = sys.stdin.readline()
    with new_session() as db:
        try:
            accounts.recover(db, accounts.find(db, name), text)
        except accounts.UnknownUser:
            _fail(f"no user {name!r}")
        except (accounts.NoAccess, DecryptionFailed):
            _fail("the recovery key does not open the organisation key")
        click.echo(f"{name} can read reports again")


@dev_cli.command("seed")
@click.option("--reports", "count", type=click.IntRange(1, 1_000_000), required=True)
def dev_seed(count: int) -> None:
    """Insert COUNT synthetic reports (benchmarks, demos)."""
    config = installation.current_config()
    with new_session() as db:
        try:
            written = devseed.seed_reports(db, count, production=config.production)
        except devseed.SeedingRefused as refused:
            _fail(str(refused))
            return
    click.echo(f"{written} synthetic reports written")


def purge_expired_command() -> None:
    """Erase closed cases whose retention period has passed (schedule daily)."""
    config = installation.current_config()
    with new_session() as db:
        erased = retention.purge_expired(db, today(), config.retention_days)
    click.echo(f"{len(erased)} closed case(s) erased after {config.retention_days} days")


def setup_link_command() -> None:
    """Print the one-time set-up link while no user exists."""
    with new_session() as db:
        if installation.has_users(db):
            click.echo("The portal is set up; log in at /moderation/login.")
            return
    click.echo("No admin yet. Open this link to set up the portal (it stops working once done):")
    click.echo("  " + installation.setup_link(installation.current_config()))


def register_cli(app: Flask) -> None:
    app.cli.add_command(db_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(keys_cli)
    app.cli.add_command(dev_cli)
    app.cli.add_command(backup_cli)
    app.cli.add_command(notify_cli)
    app.cli.command("setup-link")(setup_link_command)
    app.cli.command("purge-expired")(purge_expired_command)
    app.cli.add_command(check_config_command)
    app.cli.add_command(status_command)
