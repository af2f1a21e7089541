"""``flask --app wsgi organisations leave SLUG --backup FILE``: an organisation leaves the region
(issue 14, item 8; docs/deploy.md)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from .. import leaving
from ..backup.files import atomic_file
from ..db import transaction
from ..security.backup_cipher import DamagedStream, WrongPassphrase
from .output import fail
from .passphrase import passphrase_file_option, read_passphrase
from .pick import organisation


def report_path(backup: Path) -> Path:
    """The report of what was erased, beside the backup it was checked against."""
    return backup.with_name(backup.name + ".erased.txt")


@click.command("leave")
@click.argument("slug")
@click.option(
    "--backup",
    "backup",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The organisation's own backup ('backup create --organisation SLUG'), at most an hour old.",
)
@passphrase_file_option
@click.option(
    "--erase-own-boards",
    is_flag=True,
    help="Also erase the forum boards only this organisation runs, with their posts (not in its backup).",
)
@click.option("--yes", is_flag=True, help="Do not ask before erasing.")
@with_appcontext
def leave_command(
    slug: str, backup: Path, passphrase_file: Path | None, erase_own_boards: bool, yes: bool
) -> None:
    """Erase organisation SLUG with all its data and keys, once its backup has been checked."""
    report = report_path(backup)
    if report.exists():
        fail(f"{report} exists already; move it away first")
    passphrase = read_passphrase(passphrase_file, confirm=False)
    try:
        with transaction() as db:
            row = organisation(db, slug)
            backed_up = leaving.check_backup(backup, passphrase, row)
            if not yes:
                click.confirm(f"Erase organisation {slug} with all its reports, users and keys?", abort=True)
            erased = leaving.leave(db, row, backed_up, erase_own_boards)
    except leaving.LeavingRefused as refused:
        fail(f"{refused}. Nothing was erased.")
    except WrongPassphrase:
        fail("the passphrase does not open this backup. Nothing was erased.")
    except (DamagedStream, OSError) as exc:
        fail(f"the backup cannot be trusted: {exc}. Nothing was erased.")
    except SQLAlchemyError as exc:
        fail(f"the database refused the erasure: {exc}. Nothing was erased.")
    lines = erased.lines(backup)
    with atomic_file(report) as handle:
        handle.write(("\n".join(lines) + "\n").encode())
    click.echo("\n".join(lines))
    click.echo(f"This report is also in {report}.")
