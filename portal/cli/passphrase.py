"""How a command is given a backup's passphrase: a file, a prompt, or stdin, never an argument."""

from __future__ import annotations

import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

passphrase_file_option: Callable[[Callable[..., Any]], Callable[..., Any]] = click.option(
    "--passphrase-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the passphrase from the first line of this file (otherwise from stdin).",
)


def read_passphrase(passphrase_file: Path | None, confirm: bool) -> str:
    """From a file, a prompt, or the first line of stdin: never from the command line,
    where every user of the machine can read it in the process list."""
    if passphrase_file is not None:
        if passphrase_file.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            click.echo(f"Warning: {passphrase_file} can be read by other users (chmod 600 it).", err=True)
        lines = passphrase_file.read_text(encoding="utf-8").splitlines()
        passphrase = lines[0] if lines else ""
    elif sys.stdin.isatty():
        passphrase = str(click.prompt("Backup passphrase", hide_input=True, confirmation_prompt=confirm))
    else:
        passphrase = sys.stdin.readline().rstrip("\r\n")
    if not passphrase:
        raise click.ClickException("no passphrase given")
    return passphrase
