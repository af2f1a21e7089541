"""``flask dev seed``: synthetic reports for benchmarks and demos, refused in production."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from .. import devseed, installation
from ..db import transaction
from .output import fail

dev_cli = AppGroup("dev", help="Development helpers (refused in production).")


@dev_cli.command("seed")
@click.option("--reports", "count", type=click.IntRange(1, 1_000_000), required=True)
def dev_seed(count: int) -> None:
    """Insert COUNT synthetic reports (benchmarks, demos)."""
    config = installation.current_config()
    with transaction() as db:
        try:
            written = devseed.seed_reports(db, count, production=config.production)
        except devseed.SeedingRefused as refused:
            fail(str(refused))
    click.echo(f"{written} synthetic reports written")
