"""Tables. Free text of reports never appears here in plain text (DESIGN.md §3)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from .db import Base, UTCDateTime, utcnow


class Role(enum.StrEnum):
    MODERATOR = "moderator"
    ADMIN = "admin"


class Installation(Base):
    """One row: the organisation's public key and the salts of this installation."""

    __tablename__ = "installation"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Salt of k = argon2id(code, code_salt) (DESIGN.md §3, one-time codes).
    code_salt: Mapped[bytes] = mapped_column(LargeBinary(32))
    org_public_key: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    # The organisation's private key under the offline recovery key (SecretBox).
    org_private_key_recovery: Mapped[bytes | None] = mapped_column(LargeBinary(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=16))
    password_hash: Mapped[str] = mapped_column(String(255))
    # TOTP secret, encrypted under a key derived from the app's secret key.
    totp_secret_encrypted: Mapped[bytes] = mapped_column(LargeBinary(128))
    # Highest TOTP time step used so far: a code is accepted once (replay refused).
    totp_last_step: Mapped[int] = mapped_column(default=0)
    # The user's X25519 key pair; the private key wrapped by argon2id(password, kdf_salt).
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    private_key_wrapped: Mapped[bytes] = mapped_column(LargeBinary(128))
    kdf_salt: Mapped[bytes] = mapped_column(LargeBinary(16))
    # The organisation's private key sealed to public_key; NULL until an admin grants it.
    org_key_sealed: Mapped[bytes | None] = mapped_column(LargeBinary(128))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def has_org_key(self) -> bool:
        return self.org_key_sealed is not None


class ServerSession(Base):
    """Server side of a session: ciphertext only, the key lives in the visitor's cookie."""

    __tablename__ = "server_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


class AuditEvent(Base):
    """Who did what and when; never a reporter's content (DESIGN.md §3, Moderators)."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_event_at", "event", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    event: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(64))
