"""The installation row: the salts its organisations share (DESIGN.md §3); the set-up link."""

from __future__ import annotations

import hmac
import weakref
from hashlib import sha256

from flask import current_app
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from .config import Config
from .models import Installation, User
from .security import crypto

INSTALLATION_ID = 1


def kdf_cost(config: Config) -> crypto.KdfCost:
    return crypto.KdfCost(config.argon2_memory_kib, config.argon2_time_cost, config.argon2_parallelism)


def current_config() -> Config:
    config: Config = current_app.config["PORTAL"]
    return config


def get(db: Session) -> Installation:
    """The installation row, created on first use inside the caller's transaction."""
    row = db.get(Installation, INSTALLATION_ID)
    if row is None:
        row = Installation(id=INSTALLATION_ID, code_salt=crypto.new_key())
        db.add(row)
        db.flush()
    return row


# The code salt never changes once written: remember it per engine instead of reading the
# installation row on every code log-in (restart the server after restoring a backup).
_CODE_SALTS: weakref.WeakKeyDictionary[Engine, bytes] = weakref.WeakKeyDictionary()


def _engine(db: Session) -> Engine:
    bind = db.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def code_salt(db: Session) -> bytes:
    engine = _engine(db)
    if engine not in _CODE_SALTS:
        # Read on a connection of its own, so only a committed salt is remembered: one flushed in
        # the caller's transaction may still roll back.
        with engine.connect() as conn:
            committed = conn.scalar(select(Installation.code_salt).where(Installation.id == INSTALLATION_ID))
        if committed is None:  # not yet committed: the caller's transaction has (or makes) it
            return get(db).code_salt
        _CODE_SALTS[engine] = committed
    return _CODE_SALTS[engine]


def has_users(db: Session) -> bool:
    """Has any organisation a user? (An installation operator alone leaves the set-up wizard open:
    it still creates the first organisation's admin.)"""
    return db.scalar(select(User.id).where(User.organisation_id.is_not(None)).limit(1)) is not None


def setup_token(config: Config) -> str:
    """The first-run token: stable across restarts, useless once any user exists."""
    return hmac.new(config.secret_key.encode(), b"portal:setup-token", sha256).hexdigest()[:32]


def _full(config: Config, path: str) -> str:
    """A whole address at the portal's public one (PORTAL_BASE_URL), to click in a terminal."""
    return config.base_url.rstrip("/") + path


def setup_link(config: Config) -> str:
    return _full(config, f"/setup?token={setup_token(config)}")


def login_link(config: Config) -> str:
    return _full(config, "/moderation/login")
