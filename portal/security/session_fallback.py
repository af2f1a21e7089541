"""Sessions in Redis, and in the database while Redis is down (issue 19 item 1).

A reporter who sends a report while Redis is down must still see the receipt with the code: the
code travels in the session (``sessions.ShownOnce``), so the session must be stored somewhere. A
new session goes to Redis, or to the ``server_sessions`` table when Redis fails; an existing one
stays where it was made until it ends (at most the absolute lifetime), and is looked up in Redis
first, then in the table. Both stores hold the same encrypted blob under the same hashed id, with
an expiry rounded to the hour: the fallback stores nothing the main store would not.

Ending sessions must stay correct across both stores:

- log-out and rotation (``delete``, ``replaces``) delete in both; a Redis key that could not be
  deleted because Redis was down is deleted as soon as Redis answers again (this process
  remembers it; a session loaded while Redis was down lives in the table anyway);
- "end the sessions of a user" and "end all sessions" (disabling a moderator, ``keys rotate``)
  delete the table's rows in the caller's transaction and Redis's keys at once; while Redis is
  down they raise Redis's error, so that the caller's transaction rolls back and the answer is
  the "not available, try again" page: a moderator is never shown as disabled while a session of
  theirs may live on in Redis.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy.orm import Session

from ..redis_client import DOWN_ERRORS
from .sessions import DatabaseStore, RedisStore

log = logging.getLogger(__name__)


class FallbackStore:
    def __init__(self, redis_store: RedisStore, database_store: DatabaseStore) -> None:
        self.redis = redis_store
        self.database = database_store
        self._lock = threading.Lock()
        self._undeleted: set[str] = set()  # ids whose Redis key a failure left behind

    def load(self, store_id: str) -> bytes | None:
        try:
            blob = self.redis.load(store_id)
        except DOWN_ERRORS:
            blob = None
        else:
            self._delete_left_behind()
        # A miss in Redis may be a session made while Redis was down: one indexed row lookup,
        # only for cookies that Redis does not know.
        return blob if blob is not None else self.database.load(store_id)

    def save(
        self,
        store_id: str,
        data: bytes,
        until: int,
        new: bool,
        replaces: str | None = None,
        owner: int | None = None,
    ) -> bool:
        if new:
            try:
                stored = self.redis.save(store_id, data, until, True, replaces, owner)
            except DOWN_ERRORS:
                if replaces:
                    self._left_behind(replaces)
                return self.database.save(store_id, data, until, True, replaces, owner)
            if replaces:
                # The replaced session may have been made while Redis was down.
                self.database.delete(replaces)
            return stored
        # Overwritten where it lives, only while it exists there (an ended session stays ended).
        try:
            if self.redis.save(store_id, data, until, False):
                return True
        except DOWN_ERRORS:
            pass  # then it was loaded from the table (Redis could not have given it)
        return self.database.save(store_id, data, until, False)

    def delete(self, store_id: str) -> None:
        self.database.delete(store_id)
        try:
            self.redis.delete(store_id)
        except DOWN_ERRORS:
            self._left_behind(store_id)

    def end_owned(self, db: Session, owner: int) -> None:
        self.database.end_owned(db, owner)
        self.redis.end_owned(db, owner)  # Redis down: raises, and the caller's transaction rolls back

    def end_all(self, db: Session) -> int:
        return self.redis.end_all(db)  # the table's rows and Redis's keys (RedisStore.end_all)

    def _left_behind(self, store_id: str) -> None:
        with self._lock:
            self._undeleted.add(store_id)

    def _delete_left_behind(self) -> None:
        if not self._undeleted:
            return
        with self._lock:
            pending, self._undeleted = self._undeleted, set()
        try:
            for store_id in pending:
                self.redis.delete(store_id)
        except DOWN_ERRORS:
            with self._lock:
                self._undeleted |= pending
