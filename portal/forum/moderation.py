"""Forum moderation: the queue and every moderator action, each audited in the caller's transaction.

No moderator can see who wrote what: a post carries only its pseudonym. Each function takes the
acting moderator and reaches only the boards they moderate (``reach``): a post, thread or board
outside them is :class:`ForumItemNotFound`, as if it did not exist (the route answers 404).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from .. import audit, organisations
from ..audit import Event
from ..domain import today
from ..models import User
from . import attention, gate, pii, reach
from .models import Board, Moderation, Post, PostStatus, Thread, WatchedWord, WordAction

QUEUE_LIMIT = 100
REASON_MAX = 500


class ForumItemNotFound(Exception):
    """No post, thread or board with this id (the one a moderator acts on)."""


@dataclass(frozen=True)
class QueueItem:
    post: Post
    findings: list[pii.Finding]
    title_findings: list[pii.Finding]
    watched_word: bool = False
    # The earlier post this waiting one repeats (the same text), if any.
    copy_of: Post | None = None

    @property
    def flagged(self) -> bool:
        """Something may be wrong with it: identifying details found, a watched word, reports by
        readers, or it repeats another post. Not publishing is then the safe choice, and the
        queue offers it first (issue 17 item 11)."""
        post = self.post
        found = self.findings or self.title_findings or self.watched_word
        return bool(found or post.flags or post.flag_hidden or self.copy_of)


def _needs_attention() -> object:
    return or_(
        Post.status == PostStatus.PENDING,
        Post.needs_review.is_(True),
        Post.flag_hidden.is_(True),
        Post.flags > 0,
    )


def _in_reach(actor: User | None) -> object:
    """Posts on the boards ``actor`` moderates."""
    return Post.thread_id.in_(select(Thread.id).where(reach.reaches(actor, Thread.board_id)))


def queue_size(db: Session, actor: User | None = None) -> int:
    query = select(func.count()).select_from(Post).where(_needs_attention(), _in_reach(actor))  # type: ignore[arg-type]
    return int(db.scalar(query) or 0)


def queue(db: Session, actor: User | None) -> list[QueueItem]:
    """Pending and flagged posts, oldest first, with the identifying details found in them, a
    watched word, and the earlier post each repeats (``attention``)."""
    posts = db.scalars(
        select(Post)
        .where(_needs_attention(), _in_reach(actor))  # type: ignore[arg-type]
        .options(selectinload(Post.thread))
        .order_by(Post.id)
        .limit(QUEUE_LIMIT)
    ).all()
    words = attention.review_words(db, {p.thread.board_id for p in posts})
    copies = attention.earlier_copies(db, posts)
    return [
        QueueItem(
            p,
            pii.find(p.body),
            title_findings(p),
            watched_word=attention.has_watched_word(p, words.get(p.thread.board_id, [])),
            copy_of=copies.get(p.id),
        )
        for p in posts
    ]


def title_findings(post: Post) -> list[pii.Finding]:
    """What may identify someone in the title of the thread ``post`` begins (none for a reply)."""
    return pii.find(post.thread.title) if post.seq == 1 else []


def post(db: Session, post_id: int, actor: User | None) -> Post:
    """The post ``actor`` may moderate (to show it, e.g. for editing)."""
    found = db.get(Post, post_id)
    if found is None or not reach.may_moderate(db, actor, found.thread.board_id):
        raise ForumItemNotFound
    return found


def _post(db: Session, post_id: int, actor: User | None) -> Post:
    """The post, locked until the transaction ends: two moderators (of two organisations sharing
    the board) acting at once on it act one after the other, the second on what the first left."""
    post = db.get(Post, post_id, with_for_update=True, populate_existing=True)
    if post is None or not reach.may_moderate(db, actor, post.thread.board_id):
        raise ForumItemNotFound
    return post


def _count_published(db: Session, thread: Thread, change: int) -> None:
    """Add ``change`` to the thread's published posts in SQL: concurrent approvals of two posts of
    one thread both count."""
    db.execute(
        update(Thread)
        .where(Thread.id == thread.id)
        .values(approved_posts=Thread.approved_posts + change, last_activity_on=today())
        .execution_options(synchronize_session=False)
    )
    db.expire(thread, ["approved_posts", "last_activity_on"])


def _visible(post: Post) -> bool:
    return post.status is PostStatus.APPROVED and not post.flag_hidden


def approve(db: Session, post_id: int, actor: User | None) -> None:
    """Publish a pending post, or clear a reviewed one of its flags."""
    _publish(db, _post(db, post_id, actor), actor)


def _publish(db: Session, post: Post, actor: User | None) -> None:
    # Made visible by one UPDATE that only a hidden post matches: of two moderators (of two
    # organisations sharing the board) publishing at once, one counts it. The row lock taken in
    # ``_post`` orders them on PostgreSQL; SQLite has one writer at a time.
    shown = update(Post).where(
        Post.id == post.id, or_(Post.status != PostStatus.APPROVED, Post.flag_hidden.is_(True))
    )
    made_visible = db.execute(
        shown.values(status=PostStatus.APPROVED, flag_hidden=False).execution_options(
            synchronize_session=False
        )
    ).rowcount  # type: ignore[attr-defined]
    db.expire(post, ["status", "flag_hidden"])
    if made_visible:
        _count_published(db, post.thread, +1)
    post.needs_review, post.flags = False, 0
    post.reject_reason = None
    audit.record(db, Event.FORUM_POST_APPROVED, actor, audit.post_subject(post.id))


def reject(db: Session, post_id: int, reason: str, actor: User | None) -> None:
    """Keep a post from the public; the writer sees the reason if they have a forum code.

    The text is blanked, and with a thread's first post the thread's title too: a refused post
    is often the one that identifies someone, and kept it would be read by whoever gets the
    database or a backup (issue 13 item 7). The reason stays, for the writer.
    """
    post = _post(db, post_id, actor)
    if _visible(post):
        db.execute(
            update(Thread)
            .where(Thread.id == post.thread_id)
            .values(approved_posts=Thread.approved_posts - 1)
            .execution_options(synchronize_session=False)
        )
        db.expire(post.thread, ["approved_posts"])
    post.status, post.needs_review, post.flag_hidden = PostStatus.REJECTED, False, False
    post.flags = 0  # out of the queue: nothing is left to review
    post.body = ""
    if post.seq == 1:
        post.thread.title = ""
    post.reject_reason = reason.strip()[:REASON_MAX] or None
    audit.record(db, Event.FORUM_POST_REJECTED, actor, audit.post_subject(post.id))


def redact(db: Session, post_id: int, body: str, actor: User | None, title: str | None = None) -> None:
    """Edit details out and publish, as one change (the original text is never published, nor the
    edit lost); readers see "edited by a moderator". ``title``: the thread's new title, for the
    post that begins it (a reply's edit leaves the title alone)."""
    post = _post(db, post_id, actor)
    post.body, post.redacted = body, True
    if title is not None and post.seq == 1:
        post.thread.title = title.strip()
    audit.record(db, Event.FORUM_POST_REDACTED, actor, audit.post_subject(post.id))
    _publish(db, post, actor)


def set_thread(
    db: Session, thread_id: int, actor: User | None, locked: bool | None = None, hidden: bool | None = None
) -> None:
    thread = db.get(Thread, thread_id)
    if thread is None or not reach.may_moderate(db, actor, thread.board_id):
        raise ForumItemNotFound
    subject = audit.thread_subject(thread.id)
    if locked is not None and locked != thread.locked:
        thread.locked = locked
        audit.record(db, Event.FORUM_THREAD_LOCKED if locked else Event.FORUM_THREAD_UNLOCKED, actor, subject)
    if hidden is not None and hidden != thread.hidden:
        thread.hidden = hidden
        audit.record(db, Event.FORUM_THREAD_HIDDEN if hidden else Event.FORUM_THREAD_SHOWN, actor, subject)


def _word_owner(db: Session, actor: User | None) -> int:
    """Whose list of watched words ``actor`` keeps: their organisation's (the installation
    itself, a command or a test, keeps the only organisation's)."""
    if actor is not None and actor.organisation_id is not None:
        return actor.organisation_id
    return organisations.only(db).id


def words(db: Session, actor: User | None) -> list[WatchedWord]:
    query = select(WatchedWord).where(WatchedWord.organisation_id == _word_owner(db, actor))
    return list(db.scalars(query.order_by(WatchedWord.word)))


def add_word(db: Session, word: str, action: WordAction, actor: User | None) -> None:
    cleaned = word.strip().lower()
    if not cleaned:
        return
    owner = _word_owner(db, actor)
    existing = db.scalar(
        select(WatchedWord).where(WatchedWord.organisation_id == owner, WatchedWord.word == cleaned)
    )
    if existing is None:
        db.add(WatchedWord(organisation_id=owner, word=cleaned, action=action))
    else:
        existing.action = action
    audit.record(db, Event.FORUM_WORD_CHANGED, actor, audit.FORUM_WORDS_SUBJECT)


def remove_word(db: Session, word_id: int, actor: User | None) -> None:
    row = db.get(WatchedWord, word_id)
    if row is None or row.organisation_id != _word_owner(db, actor):
        raise ForumItemNotFound  # gone already, or another organisation's word
    db.delete(row)
    audit.record(db, Event.FORUM_WORD_CHANGED, actor, audit.FORUM_WORDS_SUBJECT)


def boards(db: Session, actor: User | None) -> list[Board]:
    """The boards ``actor`` moderates, in the forum's order."""
    query = select(Board).where(reach.reaches(actor, Board.id))
    return list(db.scalars(query.order_by(Board.position, Board.id)))


def update_board(
    db: Session,
    board_id: int,
    actor: User | None,
    names: Mapping[str, str],
    mode: Moderation,
    slow_seconds: int,
) -> None:
    """``names`` by language code; a language left out keeps the name it has."""
    target = db.get(Board, board_id)
    if target is None or not reach.may_moderate(db, actor, target.id):
        raise ForumItemNotFound
    for language, name in names.items():
        target.set_text(language, name.strip())
    target.moderation = mode
    target.slow_mode_seconds = max(0, slow_seconds)
    audit.record(db, Event.FORUM_BOARD_CHANGED, actor, audit.board_subject(target.id))


def own_board_ids(db: Session, actor: User | None) -> list[int]:
    """The boards of ``actor``'s organisation alone (every board for the installation itself)."""
    query = select(Board.id).where(reach.reaches(actor, Board.id), Board.id.not_in(reach.shared_board_ids()))
    return list(db.scalars(query))


def gate_on(db: Session, actor: User | None) -> bool:
    """Are the organisation's own boards behind a passphrase?"""
    return gate.all_behind_gate(db, own_board_ids(db, actor))


def set_gate(db: Session, passphrase: str | None, actor: User | None) -> None:
    """One gate over the organisation's own boards (a shared board's gate is the operator's)."""
    gate.set_for_boards(db, own_board_ids(db, actor), passphrase)
    audit.record(db, Event.FORUM_GATE_CHANGED, actor, audit.FORUM_GATE_SUBJECT)
