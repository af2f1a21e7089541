"""``flask organisations create|list|rename|host|enrol``: the installation operator's work on the
organisations (issue 14, item 2; docs/deploy.md). ``leave`` joins this group (``register_cli``).

The operator makes an organisation and a link for its first admin, never its key: the admin who
follows the link makes it. Every change is in the organisation's own audit log.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from .. import installation, organisations
from ..db import transaction, utcnow
from ..operator import service as operator_work
from .output import fail
from .pick import organisation

organisations_cli = AppGroup("organisations", help="The installation's organisations.")

REFUSED = {
    organisations.InvalidSlug: "a slug is 1 to 40 lower-case letters a–z, digits and hyphens",
    organisations.InvalidName: "a name is 1 to 120 characters",
    organisations.SlugTaken: "that slug is taken",
    organisations.InvalidHost: "a host name is a DNS name such as visselblasare.kommun.se, without a port",
    organisations.HostTaken: "another organisation has that host name",
}


def _echo_link(slug: str, token: str) -> None:
    link = operator_work.enrolment_url(installation.current_config(), token)
    click.echo(f"Enrolment link for {slug}'s first administrator (works once, for 72 hours):")
    click.echo("  " + link)
    click.echo(
        "Give it to that person only, by a channel you trust; whoever opens it first becomes the admin."
    )


@organisations_cli.command("create")
@click.argument("slug")
@click.argument("name")
def create_command(slug: str, name: str) -> None:
    """Create organisation SLUG (its address /o/SLUG/) and print its first admin's enrolment link."""
    try:
        with transaction() as db:
            row, token = operator_work.create_organisation(db, slug, name, None, utcnow())
            slug = row.slug
    except organisations.OrganisationError as refused:
        fail(f"{REFUSED[type(refused)]}. Nothing was created.")
    click.echo(f"Organisation {slug} created; it takes reports once its first admin has enrolled.")
    _echo_link(slug, token)


@organisations_cli.command("enrol")
@click.argument("slug")
def enrol_command(slug: str) -> None:
    """A new enrolment link for SLUG's first admin (the previous one stops working)."""
    with transaction() as db:
        try:
            token = operator_work.issue_link(db, organisation(db, slug), None, utcnow())
        except operator_work.OrganisationHasUsers:
            fail(f"{slug} has its admins already: they add everyone else (Users page). No link issued.")
    _echo_link(slug, token)


@organisations_cli.command("list")
def list_command() -> None:
    """Every organisation: slug, name, host name, and whether its first admin has enrolled."""
    with transaction() as db:
        for row in operator_work.overview(db, utcnow()):
            click.echo("\t".join((row.slug, row.name, row.host or "-", row.state_text)))


@organisations_cli.command("rename")
@click.argument("slug")
@click.argument("name")
def rename_command(slug: str, name: str) -> None:
    """Give SLUG a new name (what reporters see in the chooser and on its pages)."""
    try:
        with transaction() as db:
            operator_work.rename(db, organisation(db, slug), name, None)
    except organisations.OrganisationError as refused:
        fail(f"{REFUSED[type(refused)]}. Nothing was changed.")
    click.echo(f"{slug} renamed")


@organisations_cli.command("host")
@click.argument("slug")
@click.argument("host", required=False)
@click.option("--none", "remove", is_flag=True, help="Take the host name away.")
def host_command(slug: str, host: str | None, remove: bool) -> None:
    """Give SLUG a host name of its own behind this server (the proxy must send it), or --none."""
    if (host is None) == (not remove):
        fail("give a HOST, or --none to take the host name away")
    try:
        with transaction() as db:
            operator_work.set_host(db, organisation(db, slug), None if remove else host, None)
    except organisations.OrganisationError as refused:
        fail(f"{REFUSED[type(refused)]}. Nothing was changed.")
    click.echo(f"{slug}: host name {'removed' if remove else 'set'}")
