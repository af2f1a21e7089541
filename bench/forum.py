"""Issue 5 benchmark: a thread of 1 000 approved posts against one of 10, measured in one run.

Server time of ``GET /forum/t/<token>`` (median of N) and the number of SQL statements per page,
which must not grow with the number of posts.

    .venv/bin/python -m bench.forum [--runs 21]
"""

from __future__ import annotations

import argparse
import statistics

from flask import Flask
from sqlalchemy import event, insert
from sqlalchemy.orm import Session

from bench.common import ServerTimer, make_app
from portal import dispose
from portal.domain import today
from portal.forum import service
from portal.forum.models import Board, Post, PostStatus, Thread

BODY = "Det var tungt efter mötet, men kollegorna stöttade mig och jag fick prata om det efteråt.\n" * 4


def thread_with(app: Flask, posts: int) -> str:
    """A thread of ``posts`` approved posts; its public token (threads have no public id)."""
    with Session(app.extensions["portal.engine"]) as db:
        service.seed_default_boards(db)
        board = db.query(Board).first()
        assert board is not None
        thread = Thread(
            board_id=board.id,
            title="Bench",
            created_on=today(),
            last_activity_on=today(),
            approved_posts=posts,
        )
        db.add(thread)
        db.flush()
        rows = [
            {
                "thread_id": thread.id,
                "seq": n,
                "pseudonym": f"Skribent {n % 40 + 1}",
                "body": BODY,
                "status": PostStatus.APPROVED,
                "created_on": today(),
            }
            for n in range(1, posts + 1)
        ]
        db.execute(insert(Post), rows)
        db.commit()
        return thread.token


def measure(posts: int, runs: int) -> tuple[float, int]:
    app = make_app()
    token = thread_with(app, posts)
    client = app.test_client()
    timer = ServerTimer(app)
    statements: list[str] = []
    event.listen(app.extensions["portal.engine"], "before_cursor_execute", lambda *a: statements.append(a[2]))
    samples = []
    for _ in range(runs + 2):
        statements.clear()
        assert client.get(f"/forum/t/{token}").status_code == 200
        samples.append(timer.last)
    dispose(app)
    return statistics.median(samples[2:]) * 1000, len([s for s in statements if "server_sessions" not in s])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    (small, q_small), (large, q_large) = measure(10, args.runs), measure(1000, args.runs)
    print(f"thread of 10 posts: {small:.1f} ms, {q_small} queries")
    print(f"thread of 1000 posts: {large:.1f} ms, {q_large} queries")
    print(f"ratio 1000/10 = {large / small:.2f}  (target <= 3); queries constant: {q_small == q_large}")


if __name__ == "__main__":
    main()
