"""``flask users create|list|disable|enable|reset``: moderator and admin accounts."""

from __future__ import annotations

import sys
from collections.abc import Callable

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import enrolment, installation
from ..accounts import service as accounts
from ..config import Config
from ..db import transaction
from ..models import Role, User
from . import pick
from .output import fail
from .pick import organisation_option

users_cli = AppGroup("users", help="Moderator and admin accounts.")


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


@users_cli.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.MODERATOR.value)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@organisation_option
def users_create(name: str, role: str, password_stdin: bool, organisation_slug: str | None) -> None:
    """Create a user; prints the TOTP secret (and the recovery key for the very first user)."""
    password = _read_password(password_stdin)
    config = installation.current_config()
    with transaction() as db:
        try:
            organisation_id = None
            if Role(role) is not Role.OPERATOR:
                row = pick.organisation(db, organisation_slug)
                if enrolment.first_admin_enrols(db, row):
                    fail(
                        f"{row.slug} has no user yet: its first admin enrols with a link "
                        f"('organisations enrol {row.slug}') and makes the organisation's key. "
                        "Nothing was created."
                    )
                organisation_id = row.id
            account = accounts.create_user(
                db, name, Role(role), password, config, organisation_id=organisation_id
            )
        except accounts.WeakPassword as weak:
            fail("weak password: " + " ".join(weak.problems))
        except accounts.UsernameTaken:
            fail(f"user {name!r} exists already")
    # Printed once the account is committed: a secret or recovery key shown for an account that
    # was not stored would be worse than none.
    click.echo(f"TOTP secret: {account.totp_secret}")
    if account.recovery_key:
        click.echo(f"Recovery key: {account.recovery_key}")
    elif not account.user.may_read_cases:
        click.echo("An admin must grant this user access to reports (dashboard) before they can read them.")


@users_cli.command("list")
def users_list() -> None:
    with transaction() as db:
        for user in db.scalars(select(User).order_by(User.username)):
            state = "active" if user.active else "disabled"
            access = "access" if user.may_read_cases else "awaiting-grant"
            click.echo(f"{user.username}\t{user.role.value}\t{state}\t{access}")


@users_cli.command("disable")
@click.argument("name")
def users_disable(name: str) -> None:
    """Disable a user: their key pair, their access to reports and all their sessions go at once."""
    with transaction() as db:
        try:
            accounts.disable(db, accounts.find(db, name))
        except accounts.UnknownUser:
            fail(f"no user {name!r}")
    click.echo(f"{name} disabled")


NewCredentials = Callable[[Session, User, str, Config], str]


def _new_credentials(name: str, password_stdin: bool, change: NewCredentials) -> None:
    """``users enable`` and ``users reset``: a new password, TOTP and key pair for ``name``, whose
    TOTP secret is printed once committed (as in ``users create``)."""
    password = _read_password(password_stdin)
    with transaction() as db:
        try:
            secret = change(db, accounts.find(db, name), password, installation.current_config())
        except accounts.UnknownUser:
            fail(f"no user {name!r}")
        except accounts.AlreadyActive:
            fail(f"{name} is not disabled")
        except accounts.WeakPassword as weak:
            fail("weak password: " + " ".join(weak.problems))
    click.echo(f"TOTP secret: {secret}")


@users_cli.command("enable")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the new password from the first line of stdin.")
def users_enable(name: str, password_stdin: bool) -> None:
    """Enable a disabled user with a new password, TOTP and key pair; an admin grants access again."""
    _new_credentials(name, password_stdin, accounts.enable)
    click.echo("An admin must grant this user access to reports (dashboard) before they can read them.")


@users_cli.command("reset")
@click.argument("name")
@click.option("--password-stdin", is_flag=True)
def users_reset(name: str, password_stdin: bool) -> None:
    """New password, TOTP and key pair; an admin must grant the organisation key again."""
    _new_credentials(name, password_stdin, accounts.reset)
    click.echo("An admin must grant this user access again (dashboard), or use 'keys recover'.")
