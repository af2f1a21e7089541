"""The audit trail: an enum taxonomy ``area:subject:action`` written through one function."""

from __future__ import annotations

import enum

from sqlalchemy.orm import Session

from .models import AuditEvent, User


class Event(enum.StrEnum):
    LOGIN_SUCCEEDED = "auth:login:succeeded"
    LOGIN_FAILED = "auth:login:failed"
    LOGOUT = "auth:logout:done"
    PASSWORD_CHANGED = "auth:password:changed"
    SETUP_COMPLETED = "setup:admin:created"
    USER_CREATED = "user:account:created"
    USER_DISABLED = "user:account:disabled"
    USER_RESET = "user:account:reset"
    USER_KEY_GRANTED = "user:orgkey:granted"
    USER_KEY_RECOVERED = "user:orgkey:recovered"


def record(db: Session, event: Event, actor: User | None = None, subject: str | None = None) -> None:
    """Add an event to the caller's transaction: it commits or rolls back with the change."""
    db.add(AuditEvent(event=str(event), actor_id=actor.id if actor else None, subject=subject))
