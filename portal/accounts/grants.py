"""Letting an account read cases (DESIGN.md §3, issue 15): the admin's grant, the recovery key's.

An admin gets the organisation key sealed to their public key; a plain moderator gets a case key
for every case they may read, sealed by an access job (``cases/access_jobs.py``).
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from .. import audit, organisations
from ..audit import Event
from ..cases import access_jobs
from ..models import Role, User
from ..security import user_keys
from .service import NoAccess, UserDisabled


def awaiting_grant(db: Session) -> list[User]:
    """Active users who cannot read cases yet (of the request's organisation only)."""
    waiting = or_(
        (User.role == Role.ADMIN) & User.org_key_sealed.is_(None),
        (User.role == Role.MODERATOR) & User.case_access.is_(False),
    )
    # An account reset by an admin has no key pair until its owner follows the link: nothing to grant.
    ready = User.active.is_(True) & User.public_key.is_not(None)
    return list(db.scalars(select(User).where(waiting, ready).order_by(User.username)))


def grant(db: Session, user: User, org_private_key: bytes | None, actor: User) -> None:
    """A logged-in admin lets the user read cases: an admin gets the organisation key sealed to
    their (new) public key; a plain moderator gets case keys, sealed by an access job that starts
    once this transaction has committed (``cases/access_jobs.py``)."""
    _give_access(db, user, org_private_key, actor.organisation_id)
    audit.record(db, Event.USER_KEY_GRANTED, actor, audit.user_subject(user.id))


def _give_access(db: Session, user: User, org_private_key: bytes | None, organisation_id: int | None) -> None:
    if not user.active:
        raise UserDisabled(user.username)
    if org_private_key is None or user.organisation_id is None or user.organisation_id != organisation_id:
        raise NoAccess
    if user.is_admin:
        user_keys.seal_org_key(user, org_private_key)
        return
    # Exclusive: a report being sent now is sealed either before this (the job reaches it) or
    # after it (with this moderator among its readers).
    organisations.lock_for_sealing(db, user.organisation_id, share=False)
    user.case_access = True
    access_jobs.start(db, user, org_private_key)


def recover(db: Session, user: User, recovery_key_text: str) -> None:
    """Grant the org key with the offline recovery key (when no admin can log in)."""
    if not user.active:
        raise UserDisabled(user.username)
    if user.organisation_id is None:
        raise NoAccess
    row = organisations.get(db, user.organisation_id)
    if row.private_key_recovery is None:
        raise NoAccess
    private = user_keys.recover_org_key(recovery_key_text, row.private_key_recovery)
    _give_access(db, user, private, row.id)
    audit.record(db, Event.USER_KEY_RECOVERED, None, audit.user_subject(user.id))
