"""``flask keys recover|rotate``: the organisation key and the offline recovery key (docs/keys.md)."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from ..accounts import grants, rotation
from ..accounts import service as accounts
from ..cases import access_jobs
from ..db import transaction
from ..security.crypto import DecryptionFailed
from ..security.sessions import end_all_sessions
from . import pick
from .output import error, fail
from .pick import organisation_option

keys_cli = AppGroup("keys", help="The organisation key.")

WRONG_RECOVERY_KEY = "the recovery key does not open the organisation key"


@keys_cli.command("recover")
@click.argument("name")
def keys_recover(name: str) -> None:
    """Grant NAME the organisation key using the recovery key read from stdin."""
    text = sys.stdin.readline()
    with transaction() as db:
        try:
            grants.recover(db, accounts.find(db, name), text)
        except accounts.UnknownUser:
            fail(f"no user {name!r}")
        except accounts.UserDisabled:
            fail(f"{name} is disabled: 'users enable {name}' first (new password and key pair)")
        except (accounts.NoAccess, DecryptionFailed):
            fail(WRONG_RECOVERY_KEY)
    # Once committed. A plain moderator's case keys are sealed by an access job, in this process:
    # the command waits for it.
    access_jobs.wait(timeout=None)
    click.echo(f"{name} can read reports again")


def _progress(done: int, total: int) -> None:
    click.echo(f"{done} of {total} reports re-sealed", err=True)


@keys_cli.command("rotate")
@organisation_option
def keys_rotate(organisation_slug: str | None) -> None:
    """A new organisation key and recovery key, opened with the current recovery key from stdin.

    One transaction: every report key re-sealed, every active holder re-granted, every session
    ended. If it stops, nothing has changed; run it again. The new recovery key is printed once.
    """
    text = sys.stdin.readline()
    store = current_app.session_interface.store  # type: ignore[attr-defined]
    try:
        with transaction() as db:
            try:
                organisation = pick.organisation(db, organisation_slug)
                rotated = rotation.rotate(db, organisation.id, text, _progress)
            except (accounts.NoAccess, DecryptionFailed):
                fail(WRONG_RECOVERY_KEY)
            sessions = end_all_sessions(db, store)
    except Exception:
        error(
            "the rotation stopped and was rolled back: nothing has changed, the current recovery key still holds"
        )
        raise
    # Sessions saved while the rotation ran (a moderator's request in flight) end too.
    with transaction() as db:
        sessions += end_all_sessions(db, store)
    # Printed once committed, as ``users create`` does: a key shown for a rotation that was not
    # stored would be worse than none.
    click.echo(
        f"Organisation key replaced: {rotated.reports} reports re-sealed, {rotated.grants} users"
        f" re-granted, {rotated.revoked} disabled users' grants removed, {rotated.converted} moderators"
        f" moved to case keys, {sessions} sessions ended."
    )
    click.echo(f"Recovery key: {rotated.recovery_key}")
    click.echo(
        "It is shown only now. Store it as the old one was stored. The old recovery key opens nothing"
        " in this database any more, but still opens backups made before this rotation."
    )
