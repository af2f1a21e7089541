"""portal.scrub: which clean-up a marked transaction gets once it commits, and none if it rolls back.

The proofs that the bytes are gone are in tests/security (test_erasure_at_rest.py,
test_key_leftovers.py); these pin how marks add up within a transaction.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from portal import scrub


class RecordingCleaner(scrub.Cleaner):
    """A cleaner that behaves as on PostgreSQL and writes down what it would VACUUM."""

    def __init__(self) -> None:
        super().__init__(create_engine("sqlite://"))
        self.sqlite = False
        self.vacuumed: list[list[str]] = []

    def vacuum(self, tables: Iterable[str]) -> None:
        self.vacuumed.append(sorted(tables))


def test_marks_in_one_transaction_give_one_vacuum_of_all_their_tables() -> None:
    cleaner, db = RecordingCleaner(), Session()
    scrub.after_commit(db, ("users",))
    scrub.after_commit(db, ("server_sessions", "users"))
    scrub.after_commit(db, ("reports",), vacuum=False)  # left to the caller's scrub.vacuum
    cleaner.committed(db)
    assert cleaner.vacuumed == [["server_sessions", "users"]]
    cleaner.committed(db)  # the next transaction was not marked
    assert cleaner.vacuumed == [["server_sessions", "users"]]


def test_a_transaction_rolled_back_is_not_cleaned_and_its_marks_do_not_reach_the_next() -> None:
    cleaner, db = RecordingCleaner(), Session()
    scrub.after_commit(db, ("users",))
    cleaner.rolled_back(db)
    cleaner.committed(db)
    assert cleaner.vacuumed == []


class CheckpointRecorder(scrub.Cleaner):
    """A cleaner on SQLite that writes down each checkpoint it would run, with its wait."""

    def __init__(self) -> None:
        super().__init__(create_engine("sqlite://"))
        self.waits: list[int] = []

    def checkpoint(self, wait_ms: int) -> None:
        self.waits.append(wait_ms)


def test_on_sqlite_every_marked_commit_checkpoints_even_without_tables_to_vacuum() -> None:
    cleaner, db = CheckpointRecorder(), Session()
    scrub.after_commit(db, ("reports",), vacuum=False)
    cleaner.committed(db)
    cleaner.committed(db)  # unmarked, nothing owed: no checkpoint
    assert cleaner.waits == [1000]  # ms: a reader in a request gets a second to finish
