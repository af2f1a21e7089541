"""The forum's rules: boards, threads, posts, pseudonyms, forum codes and flags.

Posts are plain text (rendered escaped); nothing is public on a pre-moderated board until a
moderator approved it; a watched word can block a post or send it to review.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass
from hashlib import sha256

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .. import installation, organisations
from ..config import Config
from ..domain import today
from ..models import Organisation
from ..security import codes, crypto
from ..security.codes import CodeNotFound as CodeNotFound  # part of this service's contract
from .defaults import ADJECTIVES, ANIMALS, DEFAULT_BOARDS
from .models import (
    Board,
    BoardOrganisation,
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
FLAG_THRESHOLD = 3  # this many distinct flaggers hide a post until a moderator has looked at it
# Every reader without a forum code is one and the same flagger (issue 13 item 3): counting
# browsers or addresses would let one person hide any post, and addresses are never kept.
CODE_LESS_FLAGGER = "no-code"


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
    # The organisation whose own board it is, on an installation of several (a shared board, or
    # any board of a single organisation's installation, names none).
    owner: str | None = None


@dataclass(frozen=True)
class ThreadPage:
    thread: Thread
    posts: list[Post]
    own_pending: list[Post]
    next_after: int | None  # the last post number shown, when more follow


def seed_default_boards(db: Session, organisation_id: int | None = None) -> None:
    """The default boards, as the own boards of ``organisation_id`` (default: the only one)."""
    if db.scalar(select(func.count()).select_from(Board)):
        return
    owner = organisation_id if organisation_id is not None else organisations.only(db).id
    for position, values in enumerate(DEFAULT_BOARDS):
        board = Board(slug=values["slug"], position=position)
        for language, text in values["texts"].items():
            board.set_text(language, text["name"], text["description"])
        db.add(board)
        db.flush()
        db.add(BoardOrganisation(board_id=board.id, organisation_id=owner))


def boards(db: Session) -> list[BoardSummary]:
    visible = Thread.hidden.is_(False) & (Thread.approved_posts > 0)
    stats = (
        select(Thread.board_id, func.count(Thread.id), func.max(Thread.last_activity_on))
        .where(visible)
        .group_by(Thread.board_id)
    )
    counts: dict[int, tuple[int, dt.date | None]] = {
        board_id: (n, latest) for board_id, n, latest in db.execute(stats)
    }
    owners = _owners(db) if organisations.single(db) is None else {}
    summaries = []
    for board in db.scalars(select(Board).order_by(Board.position, Board.id)):
        threads, latest = counts.get(board.id, (0, None))
        summaries.append(BoardSummary(board, threads, latest, owners.get(board.id)))
    return summaries


def _owners(db: Session) -> dict[int, str]:
    """Board id → the name of the one organisation taking part in it (shared boards left out)."""
    query = (
        select(BoardOrganisation.board_id, func.min(Organisation.name))
        .join(Organisation, Organisation.id == BoardOrganisation.organisation_id)
        .group_by(BoardOrganisation.board_id)
        .having(func.count(BoardOrganisation.organisation_id) == 1)
    )
    return {board_id: name for board_id, name in db.execute(query)}


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


def open_thread(db: Session, token: str) -> Thread | None:
    """The thread a public URL names, unless a moderator hid it."""
    thread = db.scalar(select(Thread).where(Thread.token == token))
    return None if thread is None or thread.hidden else thread


def published_post(db: Session, thread: Thread, number: int) -> Post | None:
    """Post ``number`` (1, 2, 3 … within the thread) if readers see it: approved, not hidden by flags."""
    post = db.scalar(select(Post).where(Post.thread_id == thread.id, Post.seq == number))
    if post is None or post.status is not PostStatus.APPROVED or post.flag_hidden:
        return None
    return post


def thread_page(db: Session, token: str, code_id: int | None, after: int = 0) -> ThreadPage | None:
    """Approved posts for everyone (those hidden by flags as a placeholder, never as a 404 of the
    thread: issue 13 item 3); the writer's own pending posts for their code session."""
    thread = open_thread(db, token)
    if thread is None:
        return None
    query = select(Post).where(
        Post.thread_id == thread.id, Post.seq > after, Post.status == PostStatus.APPROVED
    )
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


def watched(db: Session, text: str, board_id: int) -> tuple[str | None, bool]:
    """(a blocking word found, whether a review-word was found), with the words of every
    organisation taking part in the board."""
    lowered = text.lower()
    review = False
    participants = select(BoardOrganisation.organisation_id).where(BoardOrganisation.board_id == board_id)
    for word in db.scalars(select(WatchedWord).where(WatchedWord.organisation_id.in_(participants))):
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
    blocked, review = watched(db, f"{title}\n{body}", thread.board_id)
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


def flagger(secret_key: str, post_id: int, code_id: int | None) -> bytes:
    """HMAC(installation secret, post ‖ flagger): a forum code's row id, or one value for everyone
    without a code. Keyed with the configured secret, which is not in the database: a database
    holder cannot try the code ids to learn who flagged what, and the post in the message keeps
    one code's flags on different posts from being joined."""
    key = crypto.subkey(secret_key.encode(), "portal:forum-flagger")
    who = f"code:{code_id}" if code_id is not None else CODE_LESS_FLAGGER
    return hmac.new(key, f"{post_id}|{who}".encode(), sha256).digest()


def flag(
    db: Session,
    post: Post,
    reason: FlagReason,
    who: bytes,
    threshold: int = FLAG_THRESHOLD,
) -> bool:
    """Count ``who``'s flag on a published post once; True when the post is hidden now.

    A flagger who flagged already changes nothing. Race-free: the unique (post, flagger) pair
    refuses a second row even from concurrent requests, the count is incremented in SQL (the
    row lock orders concurrent flags), and only one request can switch ``flag_hidden`` on.
    """
    if post.status is not PostStatus.APPROVED or post.flag_hidden:
        return False  # only what readers see can be flagged
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(Flag).on_conflict_do_nothing(index_elements=["post_id", "flagger"])
    values = {"post_id": post.id, "flagger": who, "reason": reason, "created_on": today()}
    # RETURNING, not rowcount: psycopg reports no reliable rowcount for ON CONFLICT DO NOTHING.
    if db.execute(statement.values(values).returning(Flag.id)).scalar_one_or_none() is None:
        return False
    post.flags = Post.flags + 1
    db.flush()  # the new count is read back (and the row stays locked until commit)
    if post.flags < threshold:
        return False
    hide = update(Post).where(Post.id == post.id, Post.flag_hidden.is_(False)).values(flag_hidden=True)
    if not db.execute(hide.execution_options(synchronize_session=False)).rowcount:  # type: ignore[attr-defined]
        return False  # hidden already (a concurrent flag got there first)
    db.expire(post, ["flag_hidden"])
    post.thread.approved_posts = Thread.approved_posts - 1
    return True


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
