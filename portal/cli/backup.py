"""``flask --app wsgi backup create|verify|restore FILE`` (docs/backup.md)."""

from __future__ import annotations

from pathlib import Path

import click
from alembic.script import ScriptDirectory
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from .. import installation
from ..backup import scoped, service
from ..db import alembic_config, engine
from ..security.backup_cipher import DamagedStream, WrongPassphrase
from .passphrase import passphrase_file_option, read_passphrase

backup_cli = AppGroup("backup", help="Encrypted backups of the database: create, verify, restore.")

_FILE = click.argument("file", type=click.Path(dir_okay=False, path_type=Path))


def _head() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


def _summary(summary: service.Summary) -> str:
    tables = sum(1 for count in summary.rows.values() if count)
    return f"revision {summary.revision}, {summary.total} rows in {tables} tables"


@backup_cli.command("create")
@_FILE
@passphrase_file_option
@click.option(
    "--organisation",
    "organisation_slug",
    metavar="SLUG",
    help="Only this organisation's rows (and the installation's code salt); otherwise everything.",
)
def backup_create(file: Path, passphrase_file: Path | None, organisation_slug: str | None) -> None:
    """Write a consistent, encrypted backup of the database to the new file FILE."""
    passphrase = read_passphrase(passphrase_file, confirm=True)
    try:
        service.check_passphrase(passphrase)
        cost = service.kdf_cost(installation.current_config())
        if organisation_slug is None:
            summary = service.create(engine(), file, passphrase, cost, _head())
        else:
            summary = scoped.create(engine(), file, passphrase, cost, _head(), organisation_slug)
    except service.BackupRefused as refused:
        raise click.ClickException(str(refused)) from refused
    except SQLAlchemyError as exc:
        raise click.ClickException(f"cannot read the database: {_first_line(exc)}") from exc
    click.echo(f"Backup written to {file} ({_summary(summary)}).")
    click.echo("Keep the passphrase apart from the backup: without it the backup cannot be restored.")


@backup_cli.command("verify")
@_FILE
@passphrase_file_option
def backup_verify(file: Path, passphrase_file: Path | None) -> None:
    """Decrypt and check all of FILE without writing anything (a test of the backup)."""
    passphrase = read_passphrase(passphrase_file, confirm=False)
    try:
        summary = service.verify(file, passphrase)
    except (WrongPassphrase, DamagedStream, OSError) as exc:
        raise click.ClickException(_why(exc)) from exc
    click.echo(f"{file} is intact: {_summary(summary)}.")


@backup_cli.command("restore")
@_FILE
@passphrase_file_option
def backup_restore(file: Path, passphrase_file: Path | None) -> None:
    """Restore FILE into this instance's database, which must be new, empty and migrated.

    An organisation's backup goes back into its own installation (after it left) or into a
    fresh one, which adopts the installation's code salt."""
    passphrase = read_passphrase(passphrase_file, confirm=False)
    head = _head()
    try:
        summary = service.restore(engine(), file, passphrase, head)
    except service.BackupRefused as refused:
        raise click.ClickException(f"{refused}. Nothing was restored.") from refused
    except (WrongPassphrase, DamagedStream, OSError) as exc:
        raise click.ClickException(f"{_why(exc)}. Nothing was restored.") from exc
    except SQLAlchemyError as exc:
        raise click.ClickException(
            f"the database refused the restore: {_first_line(exc)}. Nothing was restored."
        ) from exc
    click.echo(f"Restored {file} ({_summary(summary)}).")
    if summary.revision != head:
        click.echo("Now run 'flask --app wsgi db upgrade' to bring the schema up to this version.")
    click.echo("Start (or restart) the portal now: it must not keep what it read before the restore.")


def _why(exc: Exception) -> str:
    if isinstance(exc, WrongPassphrase):
        return "the passphrase does not open this backup"
    if isinstance(exc, DamagedStream):
        return f"the backup cannot be trusted: {exc}"
    return f"cannot read the backup: {exc}"


def _first_line(exc: SQLAlchemyError) -> str:
    return str(getattr(exc, "orig", None) or exc).splitlines()[0]
