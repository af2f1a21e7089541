"""Forum tables. Posts are meant for peers and are stored in plain text (DESIGN.md §3).

Nothing here links a post to a person: a post carries the pseudonym it was written under and,
when the writer took a forum code, that code's row (whose pseudonym is public anyway).
"""

from __future__ import annotations

import datetime as dt
import enum
import secrets

from sqlalchemy import Date, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, attribute_keyed_dict, mapped_column, relationship

from ..db import Base, string_enum
from ..i18n import LANGUAGES


class Moderation(enum.StrEnum):
    PRE = "pre"  # nothing is public before a moderator approved it (the default)
    POST = "post"  # public at once, reviewed afterwards


class PostStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class FlagReason(enum.StrEnum):
    IDENTIFYING = "identifying"
    OFFENSIVE = "offensive"
    SPAM = "spam"
    OTHER = "other"


class WordAction(enum.StrEnum):
    BLOCK = "block"
    REVIEW = "review"


class Board(Base):
    __tablename__ = "forum_boards"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    moderation: Mapped[Moderation] = mapped_column(string_enum(Moderation), default=Moderation.PRE)
    slow_mode_seconds: Mapped[int] = mapped_column(default=0)
    # The gate readers pass to reach the board (NULL: none).
    gate_id: Mapped[int | None] = mapped_column(ForeignKey("forum_gates.id", ondelete="SET NULL"), index=True)

    # Loaded with the board (one more query for all boards of a page, not one per board).
    texts: Mapped[dict[str, BoardText]] = relationship(
        collection_class=attribute_keyed_dict("language"), cascade="all, delete-orphan", lazy="selectin"
    )

    def name(self, language: str) -> str:
        text = self._text(language)
        return text.name if text else ""

    def description(self, language: str) -> str:
        text = self._text(language)
        return text.description if text else ""

    def names(self) -> dict[str, str]:
        """The names the board has, by language, in the order of ``LANGUAGES`` (no fallback)."""
        return {code: self.texts[code].name for code in LANGUAGES if code in self.texts}

    def set_text(self, language: str, name: str, description: str | None = None) -> None:
        """Give the board its name (and description, if given) in ``language``."""
        text = self.texts.get(language)
        if text is None:
            self.texts[language] = BoardText(language=language, name=name, description=description or "")
            return
        text.name = name
        if description is not None:
            text.description = description

    def _text(self, language: str) -> BoardText | None:
        """The board's text in ``language``; when it has none, Swedish; then any it has."""
        for code in (language, LANGUAGES[0], *LANGUAGES, *sorted(self.texts)):
            if code in self.texts:
                return self.texts[code]
        return None


class BoardText(Base):
    """A board's name and description in one language: one row per (board, language).

    Rows rather than a JSON mapping on the board: the columns keep what the old ``name_sv``/
    ``name_en`` columns had, NOT NULL and a length (80 and 300 characters, which PostgreSQL
    enforces besides the form), where a JSON value would be checked by nothing but Python; and
    they behave the same on SQLite and PostgreSQL (no JSON type with two dialects, no in-place
    change the ORM would miss). The primary key (board_id, language) makes a language unique per
    board and is the only index needed: texts are only ever read by board. A language added to
    ``portal.i18n.LANGUAGES`` needs no migration; a board without a text in it shows the
    Swedish one, then any it has (``Board._text``).
    """

    __tablename__ = "forum_board_texts"

    board_id: Mapped[int] = mapped_column(ForeignKey("forum_boards.id", ondelete="CASCADE"), primary_key=True)
    # A code from portal.i18n.LANGUAGES ("sv", "en"); not an enum, so that adding one is no migration.
    language: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(String(300), default="")


class ForumCode(Base):
    """A writer's forum code: a stable pseudonym, found by the same machinery as report codes."""

    __tablename__ = "forum_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    lookup: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    pseudonym: Mapped[str] = mapped_column(String(60), unique=True)
    created_on: Mapped[dt.date] = mapped_column(Date)


TOKEN_BYTES = 12  # 96 random bits, 16 URL-safe characters: unguessable, and orders nothing


def new_thread_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


class Thread(Base):
    __tablename__ = "forum_threads"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The thread's name in every public URL: the id is global and sequential, and would order
    # writing across threads and boards (issue 13 item 8). Posts are named by ``Post.seq``.
    token: Mapped[str] = mapped_column(String(TOKEN_BYTES * 4 // 3), unique=True, default=new_thread_token)
    board_id: Mapped[int] = mapped_column(ForeignKey("forum_boards.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    created_on: Mapped[dt.date] = mapped_column(Date)
    last_activity_on: Mapped[dt.date] = mapped_column(Date)
    approved_posts: Mapped[int] = mapped_column(default=0)
    # Per-thread pseudonyms for writers without a code: "Skribent 1", "Skribent 2", …
    writers: Mapped[int] = mapped_column(default=0)
    locked: Mapped[bool] = mapped_column(default=False)
    hidden: Mapped[bool] = mapped_column(default=False)

    board: Mapped[Board] = relationship()


class BoardOrganisation(Base):
    """An organisation taking part in a board: one row, the organisation's own board; several, a
    board shared by them (issue 14 item 4). Threads and posts have no organisation of their own:
    which organisation a writer belongs to is never stored, a post only has the board it is in."""

    __tablename__ = "forum_board_organisations"

    board_id: Mapped[int] = mapped_column(ForeignKey("forum_boards.id", ondelete="CASCADE"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Post(Base):
    __tablename__ = "forum_posts"
    __table_args__ = (UniqueConstraint("thread_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("forum_threads.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int]
    pseudonym: Mapped[str] = mapped_column(String(60))
    code_id: Mapped[int | None] = mapped_column(ForeignKey("forum_codes.id", ondelete="SET NULL"), index=True)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[PostStatus] = mapped_column(string_enum(PostStatus), index=True)
    reject_reason: Mapped[str | None] = mapped_column(String(500))
    redacted: Mapped[bool] = mapped_column(default=False)
    # Hidden from readers because flags passed the threshold, until a moderator reviews it.
    flag_hidden: Mapped[bool] = mapped_column(default=False, index=True)
    flags: Mapped[int] = mapped_column(default=0)
    needs_review: Mapped[bool] = mapped_column(default=False, index=True)
    created_on: Mapped[dt.date] = mapped_column(Date)

    thread: Mapped[Thread] = relationship()


class Flag(Base):
    """One flagger's flag on one post. ``flagger`` is HMAC(installation secret, post ‖ flagger), so
    that one flagger counts once per post (the unique constraint, race-free) while the rows say
    neither who flagged nor which flags, on different posts, came from the same forum code."""

    __tablename__ = "forum_flags"
    __table_args__ = (UniqueConstraint("post_id", "flagger"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("forum_posts.id", ondelete="CASCADE"), index=True)
    flagger: Mapped[bytes] = mapped_column(LargeBinary(32))
    reason: Mapped[FlagReason] = mapped_column(string_enum(FlagReason))
    created_on: Mapped[dt.date] = mapped_column(Date)


class WatchedWord(Base):
    """A word an organisation's admins watch for. Per organisation: each admin keeps their own
    organisation's list, which no other organisation's admin can read or change, and a post on a
    shared board is checked against the words of every organisation taking part (the strictest
    applies: one organisation's block blocks it), so that a shared board is no way round any
    participant's rules (issue 14 item 4)."""

    __tablename__ = "forum_watched_words"
    __table_args__ = (UniqueConstraint("organisation_id", "word"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    word: Mapped[str] = mapped_column(String(80))
    action: Mapped[WordAction] = mapped_column(string_enum(WordAction))


class Gate(Base):
    """A passphrase (argon2id-hashed) that readers enter once per session to reach the boards
    behind it: one board or a group (``Board.gate_id``). It belongs to boards, not to an
    organisation, so that which gate a writer passed says nothing about where they work."""

    __tablename__ = "forum_gates"

    id: Mapped[int] = mapped_column(primary_key=True)
    gate_hash: Mapped[str] = mapped_column(Text)
