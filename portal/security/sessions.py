"""Server-side sessions that keep keys off the server's disk (DESIGN.md §3).

The cookie holds ``<session id>.<session key>``. The server stores, under a hash of the
id, the session's contents encrypted with the session key. Whoever reads the database or
Redis sees ciphertext they cannot open; whoever has only the cookie has no data.

What the server stores in the clear is dated to the hour only: a row's ``expires_at`` and a Redis
key's expiry are the exact end rounded up to the next full hour (an exact end would be the last
request + 20 minutes, to the microsecond: the time of a visit). The exact idle and absolute ends
are checked against ``_seen`` and ``_created`` inside the encrypted blob. Nobody gets a session
for reading or opening a form (the CSRF token needs none: ``csrf.py``), only for logging in or
for what a submission must keep (the receipt's code, the forum's thread numbers, a message).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import math
import secrets
import time
from dataclasses import dataclass
from typing import Any, Protocol, cast

from flask import Flask, Request, Response, current_app, request, session
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import CursorResult, Engine, Table, delete, insert, select, update
from sqlalchemy.orm import Session
from werkzeug.datastructures import CallbackDict

from .. import retry, scrub, unavailable
from ..db import commit_failed, utcnow
from ..models import ServerSession
from .crypto import DecryptionFailed, unwrap, wrap

COOKIE_NAME = "portal_session"
TOKEN_BYTES = 32
# Keys inside the session that the session machinery itself owns.
CREATED = "_created"
SEEN = "_seen"
IDLE = "_idle"
OWNER = "_owner"  # the id of the moderator logged in with this session (ServerSideSession.own)
# Refresh ``_seen`` in the blob at most this often when nothing else changed (seconds): spares a
# write per page view while keeping idle time-outs accurate to a minute. (Still needed: the idle
# end is counted from ``_seen``, which only a write moves; the coarse stored expiry cannot.)
TOUCH_INTERVAL = 60
# Stored expiry times are rounded up to a multiple of this (seconds): DESIGN.md §3, dates only.
STORED_EXPIRY_STEP = 60 * 60


def stored_expiry(exact_end: float) -> int:
    """The full hour (Unix seconds) at or after ``exact_end``: what the store may keep."""
    return math.ceil(exact_end / STORED_EXPIRY_STEP) * STORED_EXPIRY_STEP


class SessionStore(Protocol):
    def load(self, store_id: str) -> bytes | None: ...
    def save(
        self,
        store_id: str,
        data: bytes,
        until: int,
        new: bool,
        replaces: str | None = None,
        owner: int | None = None,
    ) -> bool:
        """Store ``data`` until the Unix time ``until`` (a full hour) if new, or overwrite an existing
        session only while it still exists: a session ended meanwhile (its user disabled) is not
        brought back. False when nothing was stored."""
        ...

    def delete(self, store_id: str) -> None: ...
    def end_owned(self, db: Session, owner: int) -> None:
        """Delete every session of moderator ``owner`` (in ``db``'s transaction where the store is
        the database)."""
        ...

    def end_all(self, db: Session) -> int:
        """Delete every session of every visitor; how many there were (``keys rotate``)."""
        ...


def _delete_all_rows(db: Session) -> int:
    return int(cast(CursorResult[Any], db.execute(delete(ServerSession))).rowcount or 0)


# Expired database sessions are swept at most this often per process (seconds).
SWEEP_INTERVAL = 60


class DatabaseStore:
    """Sessions in the ``server_sessions`` table, through Core: one short transaction a write."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._table = cast(Table, ServerSession.__table__)
        self._next_sweep = 0.0

    def load(self, store_id: str) -> bytes | None:
        table = self._table
        with self._engine.connect() as conn:
            row = conn.execute(
                select(table.c.data).where(table.c.id == store_id, table.c.expires_at > utcnow())
            ).first()
        return None if row is None else bytes(row.data)

    def save(
        self,
        store_id: str,
        data: bytes,
        until: int,
        new: bool,
        replaces: str | None = None,
        owner: int | None = None,
    ) -> bool:
        """Write a session (and drop the one it replaces) in one transaction. Only a new session
        is inserted; an existing one is an UPDATE, which finds no row once the session ended."""
        table = self._table
        now = utcnow()
        values = {"data": data, "expires_at": dt.datetime.fromtimestamp(until, dt.UTC)}
        with self._engine.begin() as conn:
            if time.monotonic() >= self._next_sweep:
                self._next_sweep = time.monotonic() + SWEEP_INTERVAL
                conn.execute(delete(table).where(table.c.expires_at <= now))
            if replaces:
                conn.execute(delete(table).where(table.c.id == replaces))
            if new:
                conn.execute(insert(table).values(id=store_id, user_id=owner, **values))
                return True
            return bool(conn.execute(update(table).where(table.c.id == store_id).values(**values)).rowcount)

    def delete(self, store_id: str) -> None:
        with self._engine.begin() as conn:
            conn.execute(delete(self._table).where(self._table.c.id == store_id))

    def end_owned(self, db: Session, owner: int) -> None:
        db.execute(delete(self._table).where(self._table.c.user_id == owner))

    def end_all(self, db: Session) -> int:
        return _delete_all_rows(db)


class RedisStore:
    """Sessions under ``<prefix>:session:<id>``; a moderator's ids also in the set
    ``<prefix>:session-owner:<user id>``, which lives ``owner_ttl_seconds`` (the absolute
    lifetime rounded up to the hour, so never shorter than a session in it) from its newest session."""

    def __init__(self, client: Any, prefix: str, owner_ttl_seconds: int) -> None:
        self._client = client
        self._prefix = f"{prefix}:session:"
        self._owner_prefix = f"{prefix}:session-owner:"
        self._owner_ttl = owner_ttl_seconds

    def load(self, store_id: str) -> bytes | None:
        value = self._client.get(self._prefix + store_id)
        return None if value is None else bytes(value)

    def save(
        self,
        store_id: str,
        data: bytes,
        until: int,
        new: bool,
        replaces: str | None = None,
        owner: int | None = None,
    ) -> bool:
        with self._client.pipeline() as pipe:
            if replaces:
                pipe.delete(self._prefix + replaces)
            # EXAT on the hour: a TTL counted from now would date the request to the second.
            # XX: an existing session is overwritten only while it exists.
            pipe.set(self._prefix + store_id, data, exat=until, xx=not new)
            if new and owner is not None:
                owned = self._owner_prefix + str(owner)
                pipe.sadd(owned, store_id)
                pipe.expireat(owned, stored_expiry(time.time() + self._owner_ttl))
            results = pipe.execute()
        return bool(results[1 if replaces else 0])

    def delete(self, store_id: str) -> None:
        self._client.delete(self._prefix + store_id)

    def end_owned(self, db: Session, owner: int) -> None:
        owned = self._owner_prefix + str(owner)
        ids = [bytes(member).decode() for member in self._client.smembers(owned)]
        self._client.delete(owned, *(self._prefix + store_id for store_id in ids))

    def end_all(self, db: Session) -> int:
        """The sessions and the owner sets, at once: Redis has no part in ``db``'s transaction;
        and the table's rows in it (rows may remain from before Redis was configured)."""
        ended = _delete_all_rows(db)
        for prefix in (self._prefix, self._owner_prefix):
            keys = list(self._client.scan_iter(match=prefix + "*", count=1000))
            for start in range(0, len(keys), 1000):
                deleted = int(self._client.delete(*keys[start : start + 1000]))
                ended += deleted if prefix == self._prefix else 0
        return ended


class ServerSideSession(CallbackDict[str, Any], SessionMixin):
    def __init__(self, initial: dict[str, Any] | None = None, token: str = "", key: bytes = b"") -> None:
        def on_update(_self: Any) -> None:
            self.modified = True

        super().__init__(initial or {}, on_update)
        self.token = token
        self.key = key
        self.stored = bool(token)
        self.modified = False
        self.rotate_requested = False
        self.destroy_requested = False
        self.unreadable: Exception | None = None  # the store's error: answered by refuse_unreadable

    def rotate(self) -> None:
        """New id and key (after log-in: defeats session fixation)."""
        self.rotate_requested = True
        self.modified = True
        dict.pop(self, CREATED, None)

    def start_over(self, keep: tuple[str, ...] = ()) -> None:
        """Log-in with a code: a new id and key and nothing of before but the ``keep`` entries."""
        kept = {key: self[key] for key in keep if key in self}
        self.clear()
        self.rotate()
        self.update(kept)

    def own(self, user_id: int) -> None:
        """Mark the session as moderator ``user_id``'s, so that :func:`end_sessions_of` finds it.
        Call after :meth:`rotate`: the owner is written with the new session."""
        self[OWNER] = user_id

    @property
    def owner(self) -> int | None:
        owner: int | None = self.get(OWNER)
        return owner

    def destroy(self) -> None:
        """Log-out: the server side is deleted and the cookie cleared."""
        self.clear()
        self.destroy_requested = True


def _store_id(token: str) -> str:
    # The store never sees the token itself: a database reader cannot forge the cookie.
    return hashlib.sha256(token.encode()).hexdigest()


class EncryptedSessionInterface(SessionInterface):
    def __init__(self, store: SessionStore, idle_seconds: int, absolute_seconds: int) -> None:
        self.store = store
        self.idle_seconds = idle_seconds
        self.absolute_seconds = absolute_seconds

    def open_session(self, app: Flask, request: Request) -> ServerSideSession:
        cookie = request.cookies.get(COOKIE_NAME, "")
        token, _, key_text = cookie.partition(".")
        if not token or not key_text:
            return ServerSideSession()
        try:
            key = base64.urlsafe_b64decode(key_text.encode() + b"==")
            blob = self.store.load(_store_id(token))
            if blob is None or len(key) != 32:
                return ServerSideSession()
            data = json.loads(unwrap(key, blob))
        except (DecryptionFailed, ValueError, binascii.Error):
            return ServerSideSession()
        except Exception as error:
            if not unavailable.is_unavailable(error):
                raise
            # The store is down: an empty session that is never saved (the cookie stays, for when
            # the store is back), and the calm 503 (refuse_unreadable), which needs a session.
            empty = ServerSideSession()
            empty.unreadable = error
            return empty
        now = time.time()
        idle = data.get(IDLE, self.idle_seconds)
        if now - data.get(SEEN, 0) > idle or now - data.get(CREATED, 0) > self.absolute_seconds:
            self.store.delete(_store_id(token))
            return ServerSideSession()
        return ServerSideSession(data, token=token, key=key)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, ServerSideSession)
        if commit_failed() or response.status_code == 503:
            # The request's rows were rolled back (portal/db.py), so what the view put here for
            # its answer (a receipt's code, a log-in) must not be stored either: the stored
            # session and the browser's cookie stay as they were before this request. A 503 (a
            # part is down, portal/unavailable.py) asks no store: it may be the one that is down.
            return
        cookie_options = {
            "path": "/",
            "httponly": True,
            "secure": app.config["SESSION_COOKIE_SECURE"],
            "samesite": "Strict",
        }
        if session.destroy_requested or (session.stored and not session):
            if session.stored:
                self.store.delete(_store_id(session.token))
                session.stored = False
            if not session:
                response.delete_cookie(COOKIE_NAME, **cookie_options)
                return
            # Written after the log-out (the "you are logged out" message): it travels in a
            # brand-new session with a new id and key, which ends as soon as it is read.
        if not session:
            return
        now = time.time()
        touched = now - session.get(SEEN, 0) > TOUCH_INTERVAL
        if not (session.modified or touched or session.rotate_requested):
            return
        replaces = None
        if session.rotate_requested and session.stored:
            replaces = _store_id(session.token)
            session.stored = False
        new = not session.stored
        if new:
            session.token, session.key = secrets.token_urlsafe(TOKEN_BYTES), secrets.token_bytes(32)
        data = dict(session)
        data.setdefault(CREATED, now)
        data[SEEN] = now
        idle = int(data.get(IDLE, self.idle_seconds))
        exact_end = min(now + idle, data[CREATED] + self.absolute_seconds)
        blob = wrap(session.key, json.dumps(data).encode())
        store_id, until = _store_id(session.token), stored_expiry(exact_end)
        # Asked again for a moment: the request's rows may be committed already (portal/retry.py).
        if not retry.while_unavailable(
            lambda: self.store.save(store_id, blob, until, new, replaces, session.owner)
        ):
            # Ended while this request ran (its user was disabled): it stays ended.
            session.stored = False
            response.delete_cookie(COOKIE_NAME, **cookie_options)
            return
        session.stored = True
        # Dict writes here must not mark the session modified again; write under the hood.
        dict.update(session, data)
        key_text = base64.urlsafe_b64encode(session.key).decode().rstrip("=")
        response.set_cookie(COOKIE_NAME, f"{session.token}.{key_text}", **cookie_options)
        response.vary.add("Cookie")


def refuse_unreadable() -> None:
    """Before every view: a session its store could not read answers 503 (portal.unavailable)."""
    error = getattr(session, "unreadable", None)
    if error is not None and request.endpoint != "static":  # the 503 page's stylesheet is served
        raise error


def end_sessions_of(db: Session, user_id: int) -> None:
    """End every session of moderator ``user_id`` at once, in whichever store is configured: in
    ``db``'s transaction for the database, at once in Redis (disabling a user, issue 13 item 5).
    The deleted rows are cleaned out of the database's files after the commit (``portal.scrub``):
    the owner's browser still has the cookie whose key opens them."""
    interface = current_app.session_interface
    assert isinstance(interface, EncryptedSessionInterface)
    interface.store.end_owned(db, user_id)
    scrub.after_commit(db, (ServerSession.__tablename__,))


def set_idle(session: SessionMixin, seconds: int) -> None:
    session[IDLE] = seconds


@dataclass(frozen=True)
class ShownOnce:
    """A new code, kept in the encrypted session only until its owner says they have stored it
    (DESIGN.md §3: shown once, never stored). ``about`` holds what the receipt says beside it."""

    key: str

    def keep(self, code: str, **about: Any) -> None:
        session[self.key] = {"code": code, **about}

    def shown(self) -> dict[str, Any] | None:
        kept: dict[str, Any] | None = session.get(self.key)
        return kept

    def forget(self) -> None:
        """The owner has stored it (or has left): the session no longer holds the code."""
        session.pop(self.key, None)


def end_all_sessions(db: Session, store: SessionStore) -> int:
    """End every server-side session of every visitor; returns how many there were.

    For ``keys rotate``: a moderator's session holds the old organisation key unsealed. The
    table's rows go in the caller's transaction, whichever store is in use (rows may remain from
    before Redis was configured); a Redis store's keys go at once, because Redis has no part in
    that transaction (ending a session too many is harmless: its owner logs in again). The
    deleted rows are cleaned out of the database's files after the commit (``portal.scrub``).
    """
    scrub.after_commit(db, (ServerSession.__tablename__,))
    return store.end_all(db)
