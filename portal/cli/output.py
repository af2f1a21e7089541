"""How a command reports a problem: ``Error: …`` on stderr, and exit code 1 when it gives up,
so that a systemd unit or cron reports the failed run."""

from __future__ import annotations

import sys
from typing import NoReturn

import click


def error(message: str) -> None:
    click.echo(f"Error: {message}", err=True)


def fail(message: str) -> NoReturn:
    error(message)
    sys.exit(1)
