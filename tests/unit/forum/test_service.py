"""portal.forum.service and portal.forum.moderation without HTTP: pseudonyms, pre-moderation, watched
words, flags, slow mode, the moderators' actions and locks.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.config import Config
from portal.forum import moderation, service
from portal.forum.models import Board, Flag, FlagReason, Moderation, Post, PostStatus, WordAction
from portal.forum.service import Writer
from portal.models import AuditEvent

BODY = "Jag blev utskälld i receptionen efter ett avslag."


@pytest.fixture
def board(db: Session) -> Board:
    """The first default board, pre-moderated as a new installation has it."""
    service.seed_default_boards(db)
    found = service.board(db, "hot-och-trakasserier")
    assert found is not None
    return found


@pytest.fixture
def open_board(board: Board) -> Board:
    """The same board, moderated after publishing."""
    board.moderation = Moderation.POST
    return board


def _events(db: Session, subject: str) -> list[str]:
    query = select(AuditEvent.event).where(AuditEvent.subject == subject).order_by(AuditEvent.id)
    return list(db.scalars(query))


def _published(db: Session, open_board: Board, body: str = BODY) -> Post:
    post = service.create_thread(db, open_board, "Efter avslaget", body, Writer(thread_numbers={}))
    assert post.status is PostStatus.APPROVED
    return post


# --- writing under a pseudonym ---------------------------------------------------------------------


def test_writers_without_a_code_keep_one_number_per_thread(db: Session, open_board: Board) -> None:
    first_writer: dict[str, int] = {}
    second_writer: dict[str, int] = {}
    opening = service.create_thread(db, open_board, "Efter hotet", BODY, Writer(thread_numbers=first_writer))
    thread = opening.thread
    service.reply(db, thread, "Det hände mig också förra året.", Writer(thread_numbers=second_writer))
    service.reply(
        db, thread, "Tack, skönt att höra att jag inte är ensam.", Writer(thread_numbers=first_writer)
    )
    assert [p.pseudonym for p in db.scalars(select(Post).order_by(Post.seq))] == [
        "Skribent 1",
        "Skribent 2",
        "Skribent 1",
    ]
    assert thread.writers == 2
    assert first_writer == {str(thread.id): 1}
    other = service.create_thread(db, open_board, "En annan tråd", BODY, Writer(thread_numbers=second_writer))
    assert other.pseudonym == "Skribent 1"  # numbers are per thread


def test_a_forum_code_writes_under_its_own_stable_pseudonym(
    db: Session, open_board: Board, config: Config
) -> None:
    code, row = service.take_code(db, config)
    assert service.open_code(db, code, config) is row
    assert service.open_code(db, code.lower().replace("-", ""), config) is row  # as people type it
    first = service.create_thread(db, open_board, "Om att bli uthängd", BODY, Writer(code=row))
    second = service.reply(db, first.thread, "Ett tillägg från mig.", Writer(code=row))
    assert first.pseudonym == second.pseudonym == row.pseudonym
    assert (first.code_id, second.code_id) == (row.id, row.id)
    assert first.thread.writers == 0  # a code needs no per-thread number


def test_a_wrong_or_malformed_forum_code_is_not_found(db: Session, config: Config) -> None:
    code, _row = service.take_code(db, config)
    for attempt in ("ABCD-EFGH-JKLM-NPQR", "inte en kod", ""):
        assert attempt != code
        with pytest.raises(service.CodeNotFound):
            service.open_code(db, attempt, config)


# --- pre- and post-moderation ----------------------------------------------------------------------


def test_on_a_pre_moderated_board_nothing_is_public_before_approval(
    db: Session, board: Board, config: Config
) -> None:
    _code, row = service.take_code(db, config)
    post = service.create_thread(db, board, "Utskälld i receptionen", BODY, Writer(code=row))
    assert (post.status, post.needs_review) == (PostStatus.PENDING, True)
    thread = post.thread
    assert thread.approved_posts == 0
    assert service.threads(db, board.id) == []
    page = service.thread_page(db, thread.token, code_id=None)
    assert page is not None and page.posts == [] and page.own_pending == []
    own = service.thread_page(db, thread.token, code_id=row.id)
    assert own is not None and own.own_pending == [post]  # the writer sees their own waiting post
    moderation.approve(db, post.id, None)
    assert (post.status, post.needs_review, thread.approved_posts) == (PostStatus.APPROVED, False, 1)
    assert service.threads(db, board.id) == [thread]


def test_on_a_post_moderated_board_a_post_is_public_at_once(db: Session, open_board: Board) -> None:
    post = _published(db, open_board)
    assert (post.needs_review, post.thread.approved_posts) == (False, 1)
    page = service.thread_page(db, post.thread.token, code_id=None)
    assert page is not None and page.posts == [post]


def test_a_blocking_word_stops_the_post_and_a_review_word_holds_it(db: Session, open_board: Board) -> None:
    moderation.add_word(db, "  Förbjudet ", WordAction.BLOCK, None)
    moderation.add_word(db, "granska", WordAction.REVIEW, None)
    assert [(w.word, w.action) for w in moderation.words(db, None)] == [
        ("förbjudet", WordAction.BLOCK),
        ("granska", WordAction.REVIEW),
    ]
    with pytest.raises(service.Blocked) as blocked:
        service.create_thread(
            db, open_board, "Rubrik", "Här står FÖRBJUDET mitt i.", Writer(thread_numbers={})
        )
    assert blocked.value.word == "förbjudet"
    assert db.scalar(select(func.count()).select_from(Post)) == 0
    held = service.create_thread(
        db, open_board, "Att granska", BODY, Writer(thread_numbers={})
    )  # in the title
    assert (held.status, held.needs_review, held.thread.approved_posts) == (PostStatus.PENDING, True, 0)


def test_a_locked_or_hidden_thread_takes_no_replies_and_a_hidden_one_is_not_shown(
    db: Session, open_board: Board
) -> None:
    thread = _published(db, open_board).thread
    moderation.set_thread(db, thread.id, None, locked=True)
    with pytest.raises(service.ThreadClosed):
        service.reply(db, thread, "Ett svar för sent.", Writer(thread_numbers={}))
    moderation.set_thread(db, thread.id, None, locked=True)  # no change: not audited again
    moderation.set_thread(db, thread.id, None, locked=False)
    service.reply(db, thread, "Nu går det igen.", Writer(thread_numbers={}))
    moderation.set_thread(db, thread.id, None, hidden=True)
    assert service.thread_page(db, thread.token, code_id=None) is None
    assert service.threads(db, open_board.id) == []
    with pytest.raises(service.ThreadClosed):
        service.reply(db, thread, "Syns inte.", Writer(thread_numbers={}))
    assert _events(db, f"forum:thread:{thread.id}") == [
        "forum:thread:locked",
        "forum:thread:unlocked",
        "forum:thread:hidden",
    ]
    with pytest.raises(moderation.ForumItemNotFound):
        moderation.set_thread(db, 4711, None, locked=True)


# --- flags -----------------------------------------------------------------------------------------


def test_the_third_flag_hides_a_post_until_a_moderator_looks_at_it(db: Session, open_board: Board) -> None:
    post = _published(db, open_board)
    thread = post.thread
    for code_id in (1, 2):
        for _ in range(3):  # the same flagger again and again counts once
            assert not service.flag(db, post, FlagReason.IDENTIFYING, service.flagger("k", post.id, code_id))
    assert (post.flags, post.flag_hidden, thread.approved_posts) == (2, False, 1)
    assert service.flag(db, post, FlagReason.OFFENSIVE, service.flagger("k", post.id, None))
    assert (post.flags, post.flag_hidden, thread.approved_posts) == (3, True, 0)
    page = service.thread_page(db, thread.token, code_id=None)
    assert page is not None and page.posts == [post]  # shown as a placeholder (the template)
    assert not service.flag(db, post, FlagReason.SPAM, service.flagger("k", post.id, 3))
    assert (post.flags, thread.approved_posts) == (3, 0)  # hidden once, counted once
    assert [item.post for item in moderation.queue(db, None)] == [post]
    moderation.approve(db, post.id, None)  # looked at and kept: the flags are cleared
    assert (post.flags, post.flag_hidden, thread.approved_posts) == (0, False, 1)
    assert db.scalar(select(func.count()).select_from(Flag)) == 3  # the reasons stay for the record


def test_only_a_published_post_can_be_flagged(db: Session, board: Board) -> None:
    pending = service.create_thread(db, board, "Väntar", BODY, Writer(thread_numbers={}))
    assert not service.flag(db, pending, FlagReason.SPAM, service.flagger("k", pending.id, None))
    assert (pending.flags, db.scalar(select(func.count()).select_from(Flag))) == (0, 0)


# --- the moderators' actions -----------------------------------------------------------------------


def test_rejecting_takes_a_post_down_with_a_trimmed_reason_the_writer_sees(
    db: Session, open_board: Board, config: Config
) -> None:
    _code, row = service.take_code(db, config)
    post = service.create_thread(db, open_board, "Rubrik", BODY, Writer(code=row))
    thread = post.thread
    moderation.reject(db, post.id, "  " + "x" * 600, None)
    assert (post.status, post.reject_reason, thread.approved_posts) == (PostStatus.REJECTED, "x" * 500, 0)
    assert (post.body, thread.title) == ("", "")  # nothing of a refused first post is kept
    waiting, _threads = service.my_posts(db, row.id)
    assert waiting == [post]
    moderation.reject(db, post.id, "   ", None)
    assert post.reject_reason is None
    assert thread.approved_posts == 0  # not visible, so not taken off again
    assert _events(db, f"forum:post:{post.id}") == ["forum:post:rejected", "forum:post:rejected"]


def test_redacting_replaces_the_text_and_publishes_in_one_step(db: Session, board: Board) -> None:
    post = service.create_thread(
        db, board, "Hot i telefon", "Anna Svensson ringde från 070-123 45 67.", Writer(thread_numbers={})
    )
    moderation.redact(db, post.id, "[borttaget] ringde.", None)
    assert (post.body, post.redacted, post.status) == ("[borttaget] ringde.", True, PostStatus.APPROVED)
    assert post.thread.approved_posts == 1
    assert _events(db, f"forum:post:{post.id}") == ["forum:post:redacted", "forum:post:approved"]


def test_a_post_that_does_not_exist_is_not_found(db: Session) -> None:
    with pytest.raises(moderation.ForumItemNotFound):
        moderation.approve(db, 4711, None)
    with pytest.raises(moderation.ForumItemNotFound):
        moderation.reject(db, 4711, "", None)
    with pytest.raises(moderation.ForumItemNotFound):
        moderation.redact(db, 4711, "text", None)


def test_the_queue_holds_pending_and_flagged_posts_oldest_first(db: Session, open_board: Board) -> None:
    published = _published(db, open_board)
    open_board.moderation = Moderation.PRE
    pending = service.reply(db, published.thread, "Väntar på en moderator.", Writer(thread_numbers={}))
    assert [item.post for item in moderation.queue(db, None)] == [pending]
    service.flag(db, published, FlagReason.OTHER, service.flagger("k", published.id, None))
    assert [item.post for item in moderation.queue(db, None)] == [published, pending]
    assert moderation.queue_size(db) == 2


def test_board_settings_names_mode_and_slow_mode(db: Session, board: Board) -> None:
    moderation.update_board(db, board.id, None, {"sv": " Hot ", "en": "Threats"}, Moderation.POST, 120)
    assert (board.name("sv"), board.name("en"), board.moderation, board.slow_mode_seconds) == (
        "Hot",
        "Threats",
        Moderation.POST,
        120,
    )
    moderation.update_board(db, board.id, None, {"en": "Threats and harassment"}, Moderation.PRE, -5)
    assert (board.name("sv"), board.name("en")) == ("Hot", "Threats and harassment")  # sv kept
    assert board.slow_mode_seconds == 0  # a negative wait means none
    assert _events(db, f"forum:board:{board.id}") == ["forum:board:changed", "forum:board:changed"]
    with pytest.raises(moderation.ForumItemNotFound):
        moderation.update_board(db, 4711, None, {}, Moderation.PRE, 0)


def test_removing_a_watched_word(db: Session) -> None:
    moderation.add_word(db, "granska", WordAction.REVIEW, None)
    moderation.add_word(db, "granska", WordAction.BLOCK, None)  # the same word changes its action
    (word,) = moderation.words(db, None)
    assert word.action is WordAction.BLOCK
    moderation.remove_word(db, word.id, None)
    moderation.add_word(db, "   ", WordAction.BLOCK, None)  # nothing to watch
    assert moderation.words(db, None) == []
    assert _events(db, "forum:words") == ["forum:word:changed"] * 3


def test_seeding_the_default_boards_happens_once(db: Session, board: Board) -> None:
    service.seed_default_boards(db)
    assert len(service.boards(db)) == 4
    assert [len(service.threads(db, summary.board.id)) for summary in service.boards(db)] == [0, 0, 0, 0]
