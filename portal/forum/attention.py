"""What the forum queue says of a post besides its text (issue 17 item 11): whether a watched word
is in it, and whether it repeats a post written before it (a form sent twice, a thread started
twice). Both only help the moderator decide; neither refuses anything.

Everything is read from what the posts already hold: nothing is stored for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from .models import BoardOrganisation, Post, PostStatus, Thread, WatchedWord, WordAction


def same_text(text: str) -> str:
    """A post's text as two sendings of it compare: case and runs of white space do not count."""
    return " ".join(text.casefold().split())


def review_words(db: Session, board_ids: Iterable[int]) -> dict[int, list[str]]:
    """The words each board's organisations watch for (lower case), by board, in one query. A
    post of a board meets the words of every organisation taking part, as when it was written
    (``service.watched``); a *block* word added since counts too."""
    query = (
        select(BoardOrganisation.board_id, WatchedWord.word)
        .join(WatchedWord, WatchedWord.organisation_id == BoardOrganisation.organisation_id)
        .where(
            BoardOrganisation.board_id.in_(set(board_ids)),
            WatchedWord.action.in_([WordAction.REVIEW, WordAction.BLOCK]),
        )
    )
    words: dict[int, list[str]] = {}
    for board_id, word in db.execute(query):
        words.setdefault(board_id, []).append(word.lower())
    return words


def has_watched_word(post: Post, words: Sequence[str]) -> bool:
    text = f"{post.thread.title if post.seq == 1 else ''}\n{post.body}".lower()
    return any(word in text for word in words)


def earlier_copies(db: Session, posts: Sequence[Post]) -> dict[int, Post]:
    """For each waiting post of ``posts`` (the queue, oldest first) that repeats an earlier post,
    that earlier post, by the waiting post's id.

    Earlier posts are looked for among ``posts`` themselves (case and white space aside) and
    among the published posts of the same threads and of threads of the same board with the
    same title (the same text exactly): a reply or a thread sent twice, after the first was
    published. Only boards the queue already shows are read, so nothing of another
    organisation's boards is compared."""
    copies: dict[int, Post] = {}
    first: dict[str, Post] = {}
    for post in sorted(posts, key=lambda p: p.id):
        key = same_text(post.body)
        if key and key in first and post.status is PostStatus.PENDING:
            copies[post.id] = first[key]
        else:
            first.setdefault(key, post)
    rest = [p for p in posts if p.status is PostStatus.PENDING and p.id not in copies and p.body]
    if not rest:
        return copies
    same_title = select(Thread.id).where(
        Thread.board_id.in_({p.thread.board_id for p in rest}),
        Thread.title.in_({p.thread.title for p in rest if p.seq == 1}),
    )
    published = db.scalars(
        select(Post)
        .where(
            Post.status == PostStatus.APPROVED,
            Post.body.in_({p.body for p in rest}),
            or_(Post.thread_id.in_({p.thread_id for p in rest}), Post.thread_id.in_(same_title)),
        )
        .order_by(Post.id)
    ).all()
    for post in rest:
        match = next((c for c in published if c.id < post.id and c.body == post.body), None)
        if match is not None:
            copies[post.id] = match
    return copies
