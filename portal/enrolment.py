"""Enrolment links: how an organisation's first admin arrives (issue 14, item 2), and how every
other moderator and admin does (an admin's invitation, issue 17 item 14).

The installation operator creates an organisation and issues a link; the admin who opens it
chooses a user name and passphrase, connects an authenticator app and, in that request, makes the
organisation's key pair (``accounts.add_user``). The operator never holds the key: the link is
only a way in, and it stops working at the first of these: the admin has enrolled, 72 hours have
passed, the operator has issued a newer one.

An admin invites a new colleague the same way: the admin chooses the user name and role, the
colleague follows the link and chooses their own passphrase and authenticator app. So the admin
never knows another person's passphrase and cannot log in, or appear in the audit log, as them.

Only the SHA-256 of the token is stored (the token has 256 bits, so no slow hash is needed): a
copy of the database does not enrol anyone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from . import audit, organisations
from .accounts import resets
from .accounts import service as accounts
from .audit import Event
from .models import EnrolmentLink, Organisation, Role, User

VALID_FOR = dt.timedelta(hours=72)


class LinkRefused(Exception):
    """The link is unknown, used, replaced or expired: all look the same to whoever holds it."""


class OrganisationHasUsers(Exception):
    """The organisation's first admin has enrolled: its admins add everyone else."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def has_users(db: Session, organisation_id: int) -> bool:
    query = select(User.id).where(User.organisation_id == organisation_id).limit(1)
    return db.scalar(query) is not None


def first_admin_enrols(db: Session, row: Organisation) -> bool:
    """Must ``row``'s first user come through an enrolment link? On an installation of several
    organisations, yes: whoever creates the first user holds the new key for a moment, and that
    must not be the operator. A single organisation keeps ``users create`` for its first admin,
    as before there were several (its operator and its admin are one and the same)."""
    return organisations.count(db) > 1 and not has_users(db, row.id)


def issue(db: Session, row: Organisation, actor: User | None, now: dt.datetime) -> str:
    """A new link's token for ``row``'s first admin; earlier open links of ``row`` stop working.

    The event goes into the organisation's own log, with the operator as actor (None: at the
    shell)."""
    if has_users(db, row.id):
        raise OrganisationHasUsers(row.slug)
    _close_open_links(db, row.id, now)
    token = secrets.token_urlsafe(32)
    db.add(EnrolmentLink(organisation_id=row.id, token_sha256=_digest(token), expires_at=now + VALID_FOR))
    audit.record(db, Event.ENROLMENT_LINK_ISSUED, actor, audit.organisation_subject(row.slug), row.id)
    return token


def _close_open_links(db: Session, organisation_id: int, now: dt.datetime) -> None:
    db.execute(
        update(EnrolmentLink)
        .where(EnrolmentLink.organisation_id == organisation_id, EnrolmentLink.closed_at.is_(None))
        .values(closed_at=now)
    )


def open_link(db: Session, token: str, now: dt.datetime) -> EnrolmentLink:
    """The link ``token`` names, while it may still be used."""
    link = db.scalar(select(EnrolmentLink).where(EnrolmentLink.token_sha256 == _digest(token)))
    return _still_open(db, link, now)


def open_link_by_id(db: Session, link_id: int, now: dt.datetime) -> EnrolmentLink:
    """The link the wizard's session was opened with, while it may still be used."""
    return _still_open(db, db.get(EnrolmentLink, link_id), now)


def _still_open(db: Session, link: EnrolmentLink | None, now: dt.datetime) -> EnrolmentLink:
    if link is None or link.closed_at is not None or link.expires_at <= now:
        raise LinkRefused
    _still_wanted(db, link)
    return link


def _still_wanted(db: Session, link: EnrolmentLink) -> None:
    """A first admin's link is done once the organisation has a user; an invitation once its user
    name is taken (by the account it made, or by one created meanwhile); a reset's once its
    account has a passphrase again (or was disabled)."""
    if link.user_id is not None:
        user = db.get(User, link.user_id)
        if user is None or not resets.awaits_new_credentials(user):
            raise LinkRefused
    elif (
        link.username is None
        and has_users(db, link.organisation_id)
        or link.username is not None
        and accounts.username_taken(db, link.username)
    ):
        raise LinkRefused


def use(db: Session, link_id: int, now: dt.datetime) -> EnrolmentLink:
    """Close the link for good, in the transaction that creates the account, and return it. Of two people completing with one link at once only one gets here: the close
    is conditional, and the other's transaction is refused."""
    closed = db.execute(
        update(EnrolmentLink)
        .where(
            EnrolmentLink.id == link_id,
            EnrolmentLink.closed_at.is_(None),
            EnrolmentLink.expires_at > now,
        )
        .values(closed_at=now)
    )
    if closed.rowcount != 1:  # type: ignore[attr-defined]
        raise LinkRefused
    link = db.get(EnrolmentLink, link_id)
    assert link is not None
    _still_wanted(db, link)
    return link


def link_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/enrol/{token}"


def open_until(db: Session, now: dt.datetime) -> dict[int, dt.datetime]:
    """Until when each organisation's link still works, by organisation id (one query for the
    operator's list of every organisation)."""
    query = select(EnrolmentLink.organisation_id, EnrolmentLink.expires_at).where(
        EnrolmentLink.closed_at.is_(None), EnrolmentLink.expires_at > now, EnrolmentLink.username.is_(None)
    )
    return {organisation_id: expires_at for organisation_id, expires_at in db.execute(query)}


def invite(
    db: Session,
    organisation_id: int,
    username: str,
    role: Role,
    notify_email: str | None,
    actor: User,
    now: dt.datetime,
) -> str:
    """A new invitation's token: whoever follows it makes the account ``username`` in
    ``organisation_id``. A user name that is taken, or awaits an open invitation, is refused
    (``accounts.UsernameTaken``); the address is checked as the notice setting checks it."""
    username = username.strip()
    if accounts.username_taken(db, username) or _awaited(db, username, now):
        raise accounts.UsernameTaken(username)
    address = accounts.valid_notify_email(notify_email)
    link = EnrolmentLink(organisation_id=organisation_id, username=username, role=role, notify_email=address)
    return _issue(db, link, Event.USER_INVITED, actor, now)


def reissue(db: Session, user: User, actor: User, now: dt.datetime) -> str:
    """The token of a link by which ``user``, just reset (``resets.reset``), chooses a new
    passphrase and app; an earlier open link of theirs stops working. A disabled account gets
    none (``LinkRefused``): it comes back with ``users enable``."""
    if not resets.awaits_new_credentials(user):
        raise LinkRefused
    db.execute(
        update(EnrolmentLink)
        .where(EnrolmentLink.user_id == user.id, EnrolmentLink.closed_at.is_(None))
        .values(closed_at=now)
    )
    assert user.organisation_id is not None  # an admin resets colleagues of their organisation
    link = EnrolmentLink(
        organisation_id=user.organisation_id, username=user.username, role=user.role, user_id=user.id
    )
    return _issue(db, link, Event.USER_RESET_LINK_ISSUED, actor, now)


def _issue(db: Session, link: EnrolmentLink, event: Event, actor: User, now: dt.datetime) -> str:
    """Store ``link`` with a new token, open for ``VALID_FOR``, audited as ``event``; the token."""
    token = secrets.token_urlsafe(32)
    link.token_sha256, link.expires_at = _digest(token), now + VALID_FOR
    db.add(link)
    db.flush()
    audit.record(db, event, actor, invitation_subject(link.id), link.organisation_id)
    return token


def invitation_subject(link_id: int) -> str:
    return f"invitation:{link_id}"


def _open_invitations() -> Select[EnrolmentLink]:
    return select(EnrolmentLink).where(EnrolmentLink.username.is_not(None), EnrolmentLink.closed_at.is_(None))


def _awaited(db: Session, username: str, now: dt.datetime) -> bool:
    """Does an open invitation in any organisation hold ``username`` (user names are unique in
    the installation)?"""
    query = _open_invitations().where(EnrolmentLink.username == username, EnrolmentLink.expires_at > now)
    return db.scalar(query.limit(1)) is not None


def invitations(db: Session, organisation_id: int, now: dt.datetime) -> list[EnrolmentLink]:
    """``organisation_id``'s invitations that can still be followed, soonest ending first."""
    query = _open_invitations().where(
        EnrolmentLink.organisation_id == organisation_id, EnrolmentLink.expires_at > now
    )
    return list(db.scalars(query.order_by(EnrolmentLink.expires_at, EnrolmentLink.id)))


def invitation(db: Session, organisation_id: int, link_id: int) -> EnrolmentLink:
    """One of ``organisation_id``'s invitations, open or not (``LinkRefused`` for any other id:
    another organisation's looks like none)."""
    link = db.get(EnrolmentLink, link_id)
    if link is None or link.organisation_id != organisation_id or not link.is_invitation:
        raise LinkRefused
    return link


def is_open(link: EnrolmentLink, now: dt.datetime) -> bool:
    return link.closed_at is None and link.expires_at > now


def withdraw(db: Session, link: EnrolmentLink, actor: User, now: dt.datetime) -> None:
    """The invitation stops working at once (an admin changed their mind, or sent it astray)."""
    link.closed_at = now
    audit.record(
        db, Event.USER_INVITATION_WITHDRAWN, actor, invitation_subject(link.id), link.organisation_id
    )
