"""``flask forum share-board`` and ``forum appoint``: the operator shares a board, each
organisation's appointed moderators moderate it, and every participant's log says so."""

from __future__ import annotations

from click.testing import Result
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import organisations
from portal.db import new_session
from portal.forum.models import Board, BoardOrganisation
from portal.models import AuditEvent, Organisation, Role, User
from tests.accounts import make_account
from tests.forum_helpers import seed


def _run(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=list(args))


def _participants(app: Flask, slug: str) -> list[str]:
    with Session(app.extensions["portal.engine"]) as db:
        query = (
            select(Organisation.slug)
            .join(BoardOrganisation, BoardOrganisation.organisation_id == Organisation.id)
            .join(Board, Board.id == BoardOrganisation.board_id)
            .where(Board.slug == slug)
            .order_by(Organisation.slug)
        )
        return list(db.scalars(query))


def _shared_events(app: Flask) -> list[int | None]:
    with Session(app.extensions["portal.engine"]) as db:
        query = select(AuditEvent.organisation_id).where(AuditEvent.event == "forum:board:shared")
        return list(db.scalars(query.order_by(AuditEvent.id)))


def test_share_board_makes_changes_and_refuses(app: Flask) -> None:
    seed(app)
    with app.app_context(), new_session() as db:
        organisations.create(db, "b", "Kommun B")
        organisations.create(db, "c", "Kommun C")
        db.commit()
    made = _run(app, "forum", "share-board", "regionen", "--organisations", "org1,b", "--name-sv", "Regionen")
    assert made.exit_code == 0, made.output
    assert made.output == "/forum/regionen is shared by 2 organisations\n"
    assert _participants(app, "regionen") == ["b", "org1"]
    assert _shared_events(app) == [1, 2]
    changed = _run(app, "forum", "share-board", "regionen", "--organisations", "b,c")
    assert changed.exit_code == 0, changed.output
    assert _participants(app, "regionen") == ["b", "c"]
    assert _shared_events(app) == [1, 2, 1, 2, 3]  # the one leaving, and both taking part
    refusals = {
        ("regionen", "b"): "a shared board needs at least two organisations",
        ("ny", "b,c"): "a new board needs --name-sv",
        ("hot-och-trakasserier", "org1,b"): "hot-och-trakasserier is one organisation's own board",
        ("regionen", "b,x"): "no organisation 'x'",
    }
    for (slug, slugs), message in refusals.items():
        refused = _run(app, "forum", "share-board", slug, "--organisations", slugs)
        assert refused.exit_code == 1 and message in refused.output, refused.output
    assert _participants(app, "hot-och-trakasserier") == ["org1"]


def test_appoint_switches_a_moderator_on_and_off(app: Flask) -> None:
    make_account(app, "mona", Role.ADMIN)
    for args, expected in ((("mona",), True), (("mona", "--off"), False)):
        result = _run(app, "forum", "appoint", *args)
        assert result.exit_code == 0, result.output
        with Session(app.extensions["portal.engine"]) as db:
            assert db.scalar(select(User.moderates_shared_boards).where(User.username == "mona")) is expected
    assert _run(app, "forum", "appoint", "nobody").exit_code == 1
