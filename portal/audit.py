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
    USER_CHANGED = "user:account:changed"
    CASE_VIEWED = "case:report:viewed"
    CASE_FILE_DOWNLOADED = "case:file:downloaded"
    CASE_MESSAGE_SENT = "case:message:sent"
    CASE_FEEDBACK_GIVEN = "case:feedback:given"
    CASE_ACKNOWLEDGED = "case:report:acknowledged"
    CASE_NOTE_ADDED = "case:note:added"
    CASE_STATUS_CHANGED = "case:status:changed"
    CASE_ASSIGNED = "case:assignee:changed"
    CASE_LABELS_CHANGED = "case:labels:changed"
    CASE_RECLASSIFIED = "case:report:reclassified"
    CASE_MEETING_OFFERED = "case:meeting:offered"
    CASE_ERASED = "case:report:erased"
    # Written by every purge-expired run (even when nothing expired): proves the schedule runs.
    RETENTION_PURGE_RAN = "retention:purge:ran"
    TEMPLATE_CHANGED = "admin:template:changed"
    BACKUP_CREATED = "admin:backup:created"
    BACKUP_RESTORED = "admin:backup:restored"
    NOTIFICATION_SENT = "notify:digest:sent"
    FORUM_POST_APPROVED = "forum:post:approved"
    FORUM_POST_REJECTED = "forum:post:rejected"
    FORUM_POST_REDACTED = "forum:post:redacted"
    FORUM_THREAD_LOCKED = "forum:thread:locked"
    FORUM_THREAD_UNLOCKED = "forum:thread:unlocked"
    FORUM_THREAD_HIDDEN = "forum:thread:hidden"
    FORUM_THREAD_SHOWN = "forum:thread:shown"
    FORUM_WORD_CHANGED = "forum:word:changed"
    FORUM_BOARD_CHANGED = "forum:board:changed"
    FORUM_GATE_CHANGED = "forum:gate:changed"
    STATS_EXPORTED = "stats:table:exported"


def case_subject(report_id: int) -> str:
    return f"case:{report_id}"


def record(db: Session, event: Event, actor: User | None = None, subject: str | None = None) -> None:
    """Add an event to the caller's transaction: it commits or rolls back with the change."""
    db.add(AuditEvent(event=str(event), actor_id=actor.id if actor else None, subject=subject))
