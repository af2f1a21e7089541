"""``flask forum share-board|appoint|gate``: boards shared by several organisations (docs/forum.md)."""

from __future__ import annotations

import sys
from collections.abc import Callable

import click
from flask.cli import AppGroup

from .. import organisations
from ..accounts import service as accounts
from ..db import transaction
from ..forum import service, sharing
from ..forum.models import Board
from ..models import Organisation
from .output import fail

PASSPHRASE_MIN = 8  # characters, as the admins' form asks
forum_cli = AppGroup("forum", help="Forum boards shared by several organisations.")


def _ids(slugs: str, find: Callable[[str], Organisation | Board | None], what: str) -> list[int]:
    """The ids of the rows named by comma-separated ``slugs``; exits naming the first unknown."""
    ids = []
    for name in filter(None, (part.strip() for part in slugs.split(","))):
        row = find(name)
        if row is None:
            fail(f"no {what} {name!r}")
        ids.append(row.id)
    return ids


@forum_cli.command("share-board")
@click.argument("slug")
@click.option("--organisations", "slugs", required=True, help="The participants' slugs, comma-separated.")
@click.option("--name-sv", default="", help="The board's name in Swedish (needed for a new board).")
@click.option("--name-en", default="", help="The board's name in English.")
def share_board(slug: str, slugs: str, name_sv: str, name_en: str) -> None:
    """Make the shared board SLUG, or set who takes part in it (join or leave)."""
    with transaction() as db:
        ids = _ids(slugs, lambda name: organisations.by_slug(db, name), "organisation")
        try:
            board = sharing.share_board(db, slug, ids, {"sv": name_sv, "en": name_en})
        except sharing.InvalidSlug:
            fail("a board's slug is lower-case letters, digits and hyphens")
        except sharing.TooFewOrganisations:
            fail("a shared board needs at least two organisations")
        except sharing.NameNeeded:
            fail("a new board needs --name-sv")
        except sharing.NotShared:
            fail(f"{slug} is one organisation's own board; its admin edits it")
        path = f"/forum/{board.slug}"
    click.echo(f"{path} is shared by {len(ids)} organisations")


@forum_cli.command("appoint")
@click.argument("username")
@click.option("--off", is_flag=True, help="No longer moderates the shared boards.")
def appoint(username: str, off: bool) -> None:
    """Let USERNAME moderate the shared boards of their organisation (or, with --off, no longer)."""
    with transaction() as db:
        try:
            user = accounts.find(db, username)
        except accounts.UnknownUser:
            fail(f"no user {username!r}")
        if user.organisation_id is None:
            fail(f"{username} belongs to no organisation")
        sharing.appoint(db, user, not off, None)
    click.echo(f"{username} {'no longer moderates' if off else 'moderates'} the shared boards")


@forum_cli.command("gate")
@click.argument("slugs")
@click.option("--off", is_flag=True, help="Take the boards out from behind any passphrase.")
def gate_boards(slugs: str, off: bool) -> None:
    """Put the boards SLUGS (comma-separated) behind one passphrase, read from stdin."""
    passphrase = None if off else sys.stdin.readline().strip()
    if passphrase is not None and len(passphrase) < PASSPHRASE_MIN:
        fail(f"a passphrase has at least {PASSPHRASE_MIN} characters")
    with transaction() as db:
        ids = _ids(slugs, lambda name: service.board(db, name), "board")
        sharing.gate_boards(db, ids, passphrase)
    click.echo(f"{len(ids)} boards {'have no passphrase' if off else 'are behind one passphrase'}")
