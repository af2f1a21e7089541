"""``flask keys recover``: the organisation key, opened with the offline recovery key (docs/keys.md)."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from ..accounts import service as accounts
from ..db import transaction
from ..security.crypto import DecryptionFailed
from .output import fail

keys_cli = AppGroup("keys", help="The organisation key.")


@keys_cli.command("recover")
@click.argument("name")
def keys_recover(name: str) -> None:
    """Grant NAME the organisation key using the recovery key read from stdin."""
    text = sys.stdin.readline()
    with transaction() as db:
        try:
            accounts.recover(db, accounts.find(db, name), text)
        except accounts.UnknownUser:
            fail(f"no user {name!r}")
        except accounts.UserDisabled:
            fail(f"{name} is disabled: 'users enable {name}' first (new password and key pair)")
        except (accounts.NoAccess, DecryptionFailed):
            fail("the recovery key does not open the organisation key")
    click.echo(f"{name} can read reports again")  # once committed
