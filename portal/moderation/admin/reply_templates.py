"""Quick-reply templates, kept by admins: every save and deletion is in the audit log.

Like every service, these write into the caller's transaction and never commit (portal/db.py).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ... import audit
from ...audit import Event
from ...models import ReplyTemplate, User


def save(db: Session, template: ReplyTemplate, language: str, title: str, body: str, actor: User) -> None:
    """Store a new template or change one."""
    template.language, template.title, template.body = language, title, body
    db.add(template)
    db.flush()  # a new template's id, for the audit subject
    audit.record(db, Event.TEMPLATE_CHANGED, actor, audit.template_subject(template.id))


def delete(db: Session, template: ReplyTemplate, actor: User) -> None:
    template_id = template.id
    db.delete(template)
    audit.record(db, Event.TEMPLATE_CHANGED, actor, audit.template_subject(template_id))
