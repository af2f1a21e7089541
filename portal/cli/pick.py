"""How a command is told which organisation it acts for: ``--organisation SLUG``, which an
installation with one organisation may leave out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
from sqlalchemy.orm import Session

from .. import organisations
from ..models import Organisation
from .output import fail

organisation_option: Callable[[Callable[..., Any]], Callable[..., Any]] = click.option(
    "--organisation",
    "organisation_slug",
    metavar="SLUG",
    help="The organisation (its address /o/SLUG/); may be left out when there is only one.",
)


def organisation(db: Session, slug: str | None) -> Organisation:
    """The organisation named by ``--organisation``, or the only one; exits with a message else."""
    if slug is not None:
        row = organisations.by_slug(db, slug)
        if row is None:
            fail(f"no organisation {slug!r} ('organisations list' shows them)")
        return row
    try:
        return organisations.only(db)
    except organisations.SeveralOrganisations:
        fail("this installation has several organisations: say which with --organisation SLUG")
