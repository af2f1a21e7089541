"""The forum's rules: boards, threads, posts, pseudonyms, forum codes and flags.

Posts are plain text (rendered escaped); nothing is public on a pre-moderated board until a
moderator approved it; a watched word can block a post or send it to review.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import installation
from ..config import Config
from ..domain import today
from ..security import codes, crypto
from ..security.codes import CodeNotFound as CodeNotFound  # part of this service's contract
from .defaults import ADJECTIVES, ANIMALS, DEFAULT_BOARDS
from .models import (
    Board,
    Flag,
    FlagReason,
    ForumCode,
    Moderation,
    Post,
    PostStatus,
    Thread,
    WatchedWord,
    WordAction,
)

TITLE_MAX = 200
POSTS_PER_PAGE = 50  # a long thread is read page by page (keyset on the post number)
BODY_MIN = 2
FLAG_THRESHOLD = 3  # this many flags hide a post until a moderator has looked at it


class ThreadClosed(Exception):
    """The thread is locked or hidden."""


class Blocked(Exception):
    def __init__(self, word: str) -> None:
        super().__init__(word)
        self.word = word


@dataclass(frozen=True)
class Writer:
    """Who is writing: a forum code's row, or a per-thread number kept in the writer's session."""

    code: ForumCode | None = None
    thread_numbers: dict[str, int] | None = None


@dataclass(frozen=True)
class BoardSummary:
    board: Board
    threads: int
    latest: dt.date | None


@dataclass(frozen=True)
class ThreadPage:
    thread: Thread
    posts: list[Post]
    own_pending: list[Post]
    next_after: int | None  # the last post number shown, when more follow


def seed_default_boards(db: Session) -> None:
    if db.scalar(select(func.count()).select_from(Board)):
        return
    for position, values in enumerate(DEFAULT_BOARDS):
        board = Board(slug=values["slug"], position=position)
        for language, text in values["texts"].items():
            board.set_text(language, text["name"], text["description"])
        db.add(board)


def boards(db: Session) -> list[BoardSummary]:
    visible = Thread.hidden.is_(False) & (Thread.approved_posts > 0)
    stats = (
        select(Thread.board_id, func.count(Thread.id), func.max(Thread.last_activity_on))
        .where(visible)
        .group_by(Thread.board_id)
    )
    counts = {board_id: (n, latest) for board_id, n, latest in db.execute(stats)}
    return [
        BoardSummary(board, *counts.get(board.id, (0, None)))
        for board in db.scalars(select(Board).order_by(Board.position, Board.id))
    ]


def board(db: Session, slug: str) -> Board | None:
    return db.scalar(select(Board).where(Board.slug == slug))


def threads(db: Session, board_id: int) -> list[Thread]:
    return list(
        db.scalars(
            select(Thread)
            .where(Thread.board_id == board_id, Thread.hidden.is_(False), Thread.approved_posts > 0)
            .order_by(Thread.last_activity_on.desc(), Thread.id.desc())
            .limit(200)
        )
    )


def thread_page(db: Session, thread_id: int, code_id: int | None, after: int = 0) -> ThreadPage | None:
    """Approved posts for everyone; the writer's own pending posts for their code session."""
    thread = db.get(Thread, thread_id)
    if thread is None or thread.hidden:
        return None
    visible = (Post.status == PostStatus.APPROVED) & Post.flag_hidden.is_(False)
    query = select(Post).where(Post.thread_id == thread.id, Post.seq > after, visible)
    posts = list(db.scalars(query.order_by(Post.seq).limit(POSTS_PER_PAGE + 1)))
    more = len(posts) > POSTS_PER_PAGE
    posts = posts[:POSTS_PER_PAGE]
    own: list[Post] = []
    if code_id is not None:
        own = list(
            db.scalars(
                select(Post)
                .where(
                    Post.thread_id == thread.id, Post.code_id == code_id, Post.status == PostStatus.PENDING
                )
                .order_by(Post.seq)
            )
        )
    return ThreadPage(thread, posts, own, posts[-1].seq if more else None)


def watched(db: Session, text: str) -> tuple[str | None, bool]:
    """(a blocking word found, whether a review-word was found)."""
    lowered = text.lower()
    review = False
    for word in db.scalars(select(WatchedWord)):
        if word.word.lower() in lowered:
            if word.action is WordAction.BLOCK:
                return word.word, review
            review = True
    return None, review


def _pseudonym(thread: Thread, writer: Writer) -> str:
    if writer.code is not None:
        return writer.code.pseudonym
    numbers = writer.thread_numbers if writer.thread_numbers is not None else {}
    key = str(thread.id)
    if key not in numbers:
        thread.writers += 1
        numbers[key] = thread.writers
    return f"Skribent {numbers[key]}"


def _add_post(db: Session, thread: Thread, body: str, writer: Writer, title: str = "") -> Post:
    blocked, review = watched(db, f"{title}\n{body}")
    if blocked:
        raise Blocked(blocked)
    public_at_once = thread.board.moderation is Moderation.POST and not review
    seq = (db.scalar(select(func.max(Post.seq)).where(Post.thread_id == thread.id)) or 0) + 1
    post = Post(
        thread_id=thread.id,
        seq=seq,
        pseudonym=_pseudonym(thread, writer),
        code_id=writer.code.id if writer.code else None,
        body=body,
        status=PostStatus.APPROVED if public_at_once else PostStatus.PENDING,
        needs_review=review or not public_at_once,
        created_on=today(),
    )
    db.add(post)
    if public_at_once:
        thread.approved_posts += 1
        thread.last_activity_on = today()
    return post


def create_thread(db: Session, target: Board, title: str, body: str, writer: Writer) -> Post:
    thread = Thread(
        board_id=target.id, board=target, title=title, created_on=today(), last_activity_on=today()
    )
    db.add(thread)
    db.flush()
    post = _add_post(db, thread, body, writer, title)
    db.flush()
    return post


def reply(db: Session, thread: Thread, body: str, writer: Writer) -> Post:
    if thread.locked or thread.hidden:
        raise ThreadClosed
    post = _add_post(db, thread, body, writer)
    db.flush()
    return post


def flag(db: Session, post_id: int, reason: FlagReason, threshold: int = FLAG_THRESHOLD) -> Post | None:
    post = db.get(Post, post_id)
    if post is None or post.status is not PostStatus.APPROVED:
        return None
    db.add(Flag(post_id=post.id, reason=reason, created_on=today()))
    post.flags += 1
    if post.flags >= threshold and not post.flag_hidden:
        post.flag_hidden = True
        post.thread.approved_posts -= 1
    return post


def _forum_lookup(db: Session, text: str, config: Config) -> bytes:
    keys = codes.derive_typed(text, installation.code_salt(db), installation.kdf_cost(config))
    # Domain-separated from report lookups: a forum code can never open a report, nor the reverse.
    return crypto.subkey(keys.lookup, "forum")


def _new_pseudonym(db: Session) -> str:
    taken = set(db.scalars(select(ForumCode.pseudonym)))
    for _ in range(50):
        name = f"{secrets.choice(ADJECTIVES)} {secrets.choice(ANIMALS)}"
        if name not in taken:
            return name
    return f"{secrets.choice(ADJECTIVES)} {secrets.choice(ANIMALS)} {secrets.randbelow(1000)}"


def take_code(db: Session, config: Config) -> tuple[str, ForumCode]:
    code = codes.generate()
    row = ForumCode(
        lookup=_forum_lookup(db, code, config),
        pseudonym=_new_pseudonym(db),
        created_on=today(),
    )
    db.add(row)
    db.flush()  # the row's id goes into the writer's session
    return code, row


def open_code(db: Session, text: str, config: Config) -> ForumCode:
    row = db.scalar(select(ForumCode).where(ForumCode.lookup == _forum_lookup(db, text, config)))
    if row is None:
        raise CodeNotFound
    return row


@dataclass(frozen=True)
class MyThread:
    thread: Thread
    replies_after_mine: int


def my_posts(db: Session, code_id: int) -> tuple[list[Post], list[MyThread]]:
    """The writer's pending and rejected posts, and their threads with replies after their last post."""
    waiting = list(
        db.scalars(
            select(Post)
            .where(Post.code_id == code_id, Post.status != PostStatus.APPROVED)
            .order_by(Post.id.desc())
            .limit(100)
        )
    )
    last_mine = (
        select(Post.thread_id, func.max(Post.seq).label("seq"))
        .where(Post.code_id == code_id)
        .group_by(Post.thread_id)
        .subquery()
    )
    newer = (
        select(Thread, func.count(Post.id))
        .join(last_mine, last_mine.c.thread_id == Thread.id)
        .outerjoin(
            Post,
            (Post.thread_id == Thread.id)
            & (Post.seq > last_mine.c.seq)
            & (Post.status == PostStatus.APPROVED),
        )
        .where(Thread.hidden.is_(False))
        .group_by(Thread.id)
        .order_by(Thread.last_activity_on.desc())
    )
    return waiting, [MyThread(thread, count) for thread, count in db.execute(newer)]
