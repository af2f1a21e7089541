"""0015 with rows in place: every existing board becomes organisation #1's own board, and an
installation that had boards but no organisation yet gets organisation #1 for them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal import organisations
from portal.config import Config
from tests.accounts import AuthActions
from tests.migration_helpers import migrate, read, unmigrate, unmigrated_app, write_0001

DEFAULT_BOARDS = 4  # migration 0004's boards
GATE_HASH = "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"  # as 0011 kept it (not verified here)


def test_0015_gives_every_board_to_organisation_1_and_its_admin_moderates_them(config: Config) -> None:
    with unmigrated_app(config) as app:
        migrate(app, "0001")
        old = write_0001(app)
        migrate(app, "0011")
        with app.extensions["portal.engine"].begin() as conn:
            conn.execute(
                sa.text("INSERT INTO forum_settings (id, gate_hash) VALUES (1, :hash)"), {"hash": GATE_HASH}
            )
            conn.execute(sa.text("INSERT INTO forum_watched_words (word, action) VALUES ('idiot', 'block')"))
        migrate(app, "0015")
        boards = [board for (board,) in read(app, "SELECT id FROM forum_boards ORDER BY id")]
        assert len(boards) == DEFAULT_BOARDS
        assert read(
            app, "SELECT board_id, organisation_id FROM forum_board_organisations ORDER BY board_id"
        ) == [(board, 1) for board in boards]
        assert read(app, "SELECT username, moderates_shared_boards FROM users") == [("oldadmin", False)]
        assert read(app, "SELECT id, gate_hash FROM forum_gates") == [(1, GATE_HASH)]
        assert read(app, "SELECT DISTINCT gate_id FROM forum_boards") == [(1,)]
        assert read(app, "SELECT organisation_id, word, action FROM forum_watched_words") == [
            (1, "idiot", "block")
        ]
        migrate(app)
        client = app.test_client()
        assert AuthActions(client).login(old.account).status_code == 302
        settings = client.get("/moderation/forum/settings").get_data(as_text=True)
        assert "Hot och trakasserier" in settings and "Stöd och råd" in settings
        assert app.test_client().get("/forum/").headers["Location"] == "/forum/gate?next=/forum/"
        unmigrate(app, "0011")
        assert read(app, "SELECT count(*) FROM forum_boards") == [(DEFAULT_BOARDS,)]
        assert read(app, "SELECT id, gate_hash FROM forum_settings") == [(1, GATE_HASH)]
        assert read(app, "SELECT word FROM forum_watched_words") == [("idiot",)]


def test_0015_leaves_a_new_installations_boards_to_its_first_organisation(config: Config) -> None:
    with unmigrated_app(config) as app:
        migrate(app)  # through 0015 to the head, whose tables the models below write
        # No organisation and no salt before the set-up: a restored organisation can adopt both.
        assert read(app, "SELECT count(*) FROM organisations") == [(0,)]
        assert read(app, "SELECT count(*) FROM installation") == [(0,)]
        assert read(app, "SELECT count(*) FROM forum_board_organisations") == [(0,)]
        with Session(app.extensions["portal.engine"]) as db:
            first = organisations.create(db, "kommun-a", "Kommun A")
            organisations.create(db, "kommun-b", "Kommun B")
            db.commit()
            first_id = first.id
        assert read(
            app, "SELECT organisation_id, count(*) FROM forum_board_organisations GROUP BY organisation_id"
        ) == [(first_id, DEFAULT_BOARDS)]
