"""0009 with rows in place: threads get tokens, old flags keep counting, refused posts are blanked.

The rows are written with plain SQL in the schema of 0007, then ``db upgrade`` runs to head.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Flask

from portal.config import Config
from tests.migration_helpers import CREATED_ON, THREADS_0004, migrate, read, unmigrate, unmigrated_app

_posts = sa.table(
    "forum_posts",
    sa.column("id", sa.Integer),
    sa.column("thread_id", sa.Integer),
    sa.column("seq", sa.Integer),
    sa.column("pseudonym", sa.String),
    sa.column("body", sa.Text),
    sa.column("status", sa.String),
    sa.column("reject_reason", sa.String),
    sa.column("redacted", sa.Boolean),
    sa.column("flag_hidden", sa.Boolean),
    sa.column("flags", sa.Integer),
    sa.column("needs_review", sa.Boolean),
    sa.column("created_on", sa.Date),
)
_flags = sa.table(
    "forum_flags",
    sa.column("post_id", sa.Integer),
    sa.column("reason", sa.String),
    sa.column("created_on", sa.Date),
)
PUBLISHED = "Ett publicerat inlägg från före uppgraderingen."
REFUSED_FIRST = "Ett refuserat första inlägg som nämner en kollega vid namn."
REFUSED_REPLY = "Ett refuserat svar med ett telefonnummer."
REFUSED_TITLE = "En rubrik som pekar ut någon"
# thread id → (title, [(seq, body, status, reason, flags)])
ROWS: dict[int, tuple[str, list[tuple[int, str, str, str | None, int]]]] = {
    1: (
        "En vanlig tråd",
        [(1, PUBLISHED, "approved", None, 2), (2, REFUSED_REPLY, "rejected", "Nummer.", 0)],
    ),
    2: (REFUSED_TITLE, [(1, REFUSED_FIRST, "rejected", "Pekar ut en kollega.", 0)]),
    3: ("En väntande tråd", [(1, "Väntar på en moderator.", "pending", None, 0)]),
}


def _write_0007(app: Flask) -> None:
    with app.extensions["portal.engine"].begin() as conn:
        board_id = conn.execute(sa.text("SELECT min(id) FROM forum_boards")).scalar_one()
        post_id = 0
        for thread_id, (title, posts) in ROWS.items():
            approved = sum(1 for post in posts if post[2] == "approved")
            conn.execute(
                sa.insert(THREADS_0004).values(
                    id=thread_id,
                    board_id=board_id,
                    title=title,
                    created_on=CREATED_ON,
                    last_activity_on=CREATED_ON,
                    approved_posts=approved,
                    writers=len(posts),
                    locked=False,
                    hidden=False,
                )
            )
            for seq, body, status, reason, flags in posts:
                post_id += 1
                conn.execute(
                    sa.insert(_posts).values(
                        id=post_id,
                        thread_id=thread_id,
                        seq=seq,
                        pseudonym=f"Skribent {seq}",
                        body=body,
                        status=status,
                        reject_reason=reason,
                        redacted=False,
                        flag_hidden=False,
                        flags=flags,
                        needs_review=status == "pending",
                        created_on=CREATED_ON,
                    )
                )
                for _ in range(flags):
                    conn.execute(
                        sa.insert(_flags).values(post_id=post_id, reason="spam", created_on=CREATED_ON)
                    )


def test_0009_gives_threads_tokens_keeps_old_flags_and_blanks_refused_posts(config: Config) -> None:
    with unmigrated_app(config) as app:
        migrate(app, "0007")
        _write_0007(app)
        migrate(app, "0009")
        tokens = dict(read(app, "SELECT id, token FROM forum_threads ORDER BY id"))
        assert sorted(tokens) == [1, 2, 3] and len(set(tokens.values())) == 3
        assert all(re.fullmatch(r"[A-Za-z0-9_-]{16}", str(t)) for t in tokens.values()), tokens
        assert read(app, "SELECT id, title FROM forum_threads ORDER BY id") == [
            (1, "En vanlig tråd"),
            (2, ""),
            (3, "En väntande tråd"),
        ]
        assert read(
            app, "SELECT id, thread_id, seq, body, status, reject_reason, flags FROM forum_posts ORDER BY id"
        ) == [
            (1, 1, 1, PUBLISHED, "approved", None, 2),
            (2, 1, 2, "", "rejected", "Nummer.", 0),
            (3, 2, 1, "", "rejected", "Pekar ut en kollega.", 0),
            (4, 3, 1, "Väntar på en moderator.", "pending", None, 0),
        ]
        flaggers = read(app, "SELECT post_id, flagger FROM forum_flags ORDER BY id")
        assert [post for post, _ in flaggers] == [1, 1]
        values = [bytes(value) for _, value in flaggers]
        assert all(len(v) == 32 for v in values) and values[0] != values[1]  # two flaggers, as counted
        migrate(app)  # today's forum pages read columns of later migrations (0015's gates)
        reader = app.test_client()
        page = reader.get(f"/forum/t/{tokens[1]}")
        assert page.status_code == 200 and PUBLISHED in page.get_data(as_text=True)
        assert reader.get("/forum/t/1").status_code == 404
        unmigrate(app, "0007")
        assert read(app, "SELECT count(*) FROM forum_flags") == [(2,)]
        migrate(app)
        assert len(read(app, "SELECT token FROM forum_threads")) == 3
