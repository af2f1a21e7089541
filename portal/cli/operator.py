"""Operators' commands: ``check-config`` (is this safe for production?), ``status``,
``setup-link`` (the first admin) and ``purge-expired`` (retention, scheduled daily)."""

from __future__ import annotations

import json
import os
import sys

import click
from alembic.script import ScriptDirectory
from flask import current_app
from flask.cli import with_appcontext

from .. import installation, production_checks, retention
from ..db import alembic_config, engine, transaction, utcnow
from ..domain import today
from ..operator_checks import collect
from ..operator_status import status_document, status_lines

NOT_READY = "Not ready for production"


@click.command("check-config")
@with_appcontext
def check_config_command() -> None:
    """List every reason this configuration is unsafe for production; exit 1 if there is one."""
    config = installation.current_config()
    findings = production_checks.configuration_findings(config, os.environ)
    findings += production_checks.installation_findings(
        engine(),
        current_app.extensions["portal.redis"],
        ScriptDirectory.from_config(alembic_config()),
        utcnow(),
    )
    if findings:
        click.echo(production_checks.report(findings, NOT_READY))
        sys.exit(1)
    click.echo("ok: nothing unsafe found; this configuration may serve in production.")


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="One JSON document, for a monitor.")
@with_appcontext
def status_command(as_json: bool) -> None:
    """Cases, deadlines, the parts (database, Redis, disks, notices), the last purge and failed
    codes; exit 1 while something needs attention."""
    # A database that is down is one of the things status reports (collect catches it and rolls
    # back), not a reason to fail; status writes nothing, so the block's commit has nothing to do.
    with transaction() as db:
        checks = collect(
            db,
            current_app.extensions["portal.redis"],
            ScriptDirectory.from_config(alembic_config()),
            installation.current_config(),
            os.environ,
            today(),
            utcnow(),
        )
        document = status_document(checks) if as_json else None
        lines = None if as_json else status_lines(checks, today())
    click.echo(json.dumps(document, indent=2) if document is not None else "\n".join(lines or []))
    if checks.attention():
        sys.exit(1)


@click.command("setup-link")
@with_appcontext
def setup_link_command() -> None:
    """Print the one-time set-up link while no user exists, and where to log in.

    Each address stands alone on its line, nothing after it, so that a terminal makes it a link."""
    config = installation.current_config()
    with transaction() as db:
        set_up = installation.has_users(db)
    if set_up:
        click.echo("The portal is set up. Log in at:")
    else:
        click.echo("No admin yet. Open this link to set up the portal (it stops working once done):")
        click.echo("  " + installation.setup_link(config))
        click.echo("Once it is set up, log in at:")
    click.echo("  " + installation.login_link(config))


@click.command("purge-expired")
@with_appcontext
def purge_expired_command() -> None:
    """Erase closed cases whose retention period has passed, each organisation after its own
    period (schedule daily)."""
    config = installation.current_config()
    for purge in retention.purge_expired(today(), config.retention_days):
        whose = f"{purge.slug}: " if purge.slug else ""
        click.echo(f"{whose}{len(purge.erased)} closed case(s) erased after {purge.days} days")
