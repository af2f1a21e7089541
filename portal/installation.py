"""The installation row: salts and the organisation key (DESIGN.md §3)."""

from __future__ import annotations

import hmac
import weakref
from dataclasses import dataclass
from hashlib import sha256

from flask import current_app
from sqlalchemy import Engine, func, select, update
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


# Once the organisation key exists it is only ever replaced (``keys rotate``), never removed:
# remember per engine that it does, so that a submission reads the installation row once, locked
# (``lock_for_sealing``, which still decides), instead of once more before its argon2id.
_CAN_SEAL: weakref.WeakSet[Engine] = weakref.WeakSet()


def can_seal(db: Session) -> bool:
    """Is there an organisation key to seal reports to? Asked before the costly part of a
    submission; ``lock_for_sealing`` reads the key again, under its lock, and is the one answer."""
    engine = _engine(db)
    if engine not in _CAN_SEAL:
        if get(db).org_public_key is None:
            return False
        _CAN_SEAL.add(engine)
    return True


@dataclass(frozen=True)
class OrganisationKey:
    public: bytes
    private: bytes
    recovery_key: str  # formatted for display, shown once


def create_org_key(db: Session) -> OrganisationKey:
    """A new organisation key pair; its private half wrapped under a new recovery key."""
    row = get(db)
    if row.org_public_key is not None:
        raise RuntimeError("the organisation key exists already")
    return _new_org_key(row)


def lock_for_sealing(db: Session, share: bool) -> Installation:
    """The installation row, read afresh and locked until the caller's transaction ends.

    ``share=True`` for whoever seals to the organisation public key, ``share=False`` for
    ``keys rotate``, which replaces it: a report sent while the key rotates waits for the new
    public key, instead of being sealed to the old one after the re-seal has passed it (it would
    then open for nobody but the holder of the old key). PostgreSQL locks the row (``FOR SHARE``
    / ``FOR UPDATE``); SQLite has no row locks, so the caller takes the database's one write lock
    with a write that changes nothing, and reads the key inside it.
    """
    if db.get_bind().dialect.name == "sqlite":
        db.execute(update(Installation).where(Installation.id == INSTALLATION_ID).values(id=Installation.id))
    row = db.get(Installation, INSTALLATION_ID, with_for_update={"read": share}, populate_existing=True)
    return row if row is not None else get(db)


def replace_org_key(row: Installation) -> OrganisationKey:
    """A new organisation key pair and a new recovery key in place of the old ones (``keys rotate``)."""
    return _new_org_key(row)


def _new_org_key(row: Installation) -> OrganisationKey:
    pair = crypto.KeyPair.generate()
    recovery = crypto.new_key()
    row.org_public_key = pair.public
    row.org_private_key_recovery = crypto.wrap(recovery, pair.private)
    return OrganisationKey(
        public=pair.public, private=pair.private, recovery_key=crypto.format_recovery_key(recovery)
    )


def has_users(db: Session) -> bool:
    return bool(db.scalar(select(func.count()).select_from(User)))


def setup_token(config: Config) -> str:
    """The first-run token: stable across restarts, useless once any user exists."""
    return hmac.new(config.secret_key.encode(), b"portal:setup-token", sha256).hexdigest()[:32]


def setup_link(config: Config) -> str:
    return f"{config.base_url.rstrip('/')}/setup?token={setup_token(config)}"
