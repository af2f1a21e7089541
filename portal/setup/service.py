"""The wizard's rules: pending account kept in the (encrypted) session until TOTP is confirmed.

Three ways in, one wizard: the installation's set-up link (its first organisation and admin, while
nobody has an account), an organisation's enrolment link (its first admin, ``enrolment``) and an
admin's invitation (a new moderator or admin under the user name the admin chose).
"""

from __future__ import annotations

import base64
import hmac
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.orm import Session

from .. import audit, enrolment, installation, organisations
from ..accounts import service as accounts
from ..audit import Event
from ..config import Config
from ..db import utcnow
from ..models import EnrolmentLink, Organisation, Role, User
from ..security import totp


class SetupClosed(Exception):
    """An admin exists: the wizard and its token no longer work."""


class BadToken(Exception):
    pass


class WrongCode(Exception):
    pass


def check_open(db: Session) -> None:
    """The set-up link works while nobody has an account, on an installation of one organisation
    at most: with several, each first admin enrols with the organisation's own link."""
    if installation.has_users(db) or organisations.count(db) > 1:
        raise SetupClosed


def check_token(db: Session, token: str, config: Config) -> None:
    check_open(db)
    if not hmac.compare_digest(token.encode(), installation.setup_token(config).encode()):
        raise BadToken


@dataclass(frozen=True)
class Entry:
    """Which link opened the wizard: an enrolment link's id, or None for the set-up link; for an
    invitation, the user name and role it makes."""

    link_id: int | None = None
    username: str | None = None
    role: str = Role.ADMIN.value
    resets: bool = False  # the link of an account an admin reset

    @property
    def invited(self) -> bool:
        return self.username is not None

    def to_session(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_session(cls, data: dict[str, Any]) -> Entry:
        return cls(**data)


def enter_with_link(db: Session, token: str) -> tuple[Entry, Organisation]:
    """The entry an enrolment link gives, with the organisation it sets up (``LinkRefused``)."""
    link = enrolment.open_link(db, token, utcnow())
    entry = Entry(link.id, link.username, (link.role or Role.ADMIN).value, link.user_id is not None)
    return entry, organisations.get(db, link.organisation_id)


def check_entry(db: Session, entry: Entry) -> Organisation | None:
    """Does the entry still open the wizard? The organisation an enrolment link sets up (None for
    the set-up link); ``SetupClosed`` once the admin exists or the link stopped working."""
    if entry.link_id is None:
        check_open(db)
        return None
    try:
        link = enrolment.open_link_by_id(db, entry.link_id, utcnow())
    except enrolment.LinkRefused as refused:
        raise SetupClosed from refused
    return organisations.get(db, link.organisation_id)


def _b64(raw: bytes | None) -> str:
    assert raw is not None  # a user just built has a key pair
    return base64.b64encode(raw).decode()


@dataclass(frozen=True)
class PendingAdmin:
    """What step 1 produced; the password itself is not kept, only what it wrapped."""

    username: str
    role: str
    password_hash: str
    public_key: str
    private_key_wrapped: str
    kdf_salt: str
    totp_secret: str

    @classmethod
    def create(cls, username: str, password: str, config: Config, role: Role = Role.ADMIN) -> PendingAdmin:
        secret = totp.new_secret()
        user = accounts.build_user(username, role, password, secret, config)
        return cls(
            username=user.username,
            role=role.value,
            password_hash=user.password_hash,
            public_key=_b64(user.public_key),
            private_key_wrapped=_b64(user.private_key_wrapped),
            kdf_salt=_b64(user.kdf_salt),
            totp_secret=secret,
        )

    def to_session(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_session(cls, data: dict[str, Any]) -> PendingAdmin:
        return cls(**data)

    def provisioning_uri(self) -> str:
        return totp.provisioning_uri(self.totp_secret, self.username)


def _link(db: Session, entry: Entry, pending: PendingAdmin) -> EnrolmentLink | None:
    """The link the account comes through, closed for good now (None: the set-up link)."""
    if entry.link_id is None:
        check_open(db)
        return None
    try:
        link = enrolment.use(db, entry.link_id, utcnow())
    except enrolment.LinkRefused as refused:
        raise SetupClosed from refused
    # The account is the link's: an invitation's name and role; a first admin's link makes an admin.
    expected = (link.username, link.role) if link.is_invitation else (pending.username, Role.ADMIN)
    if (pending.username, Role(pending.role)) != expected:
        raise SetupClosed
    return link


def _credentials(user: User, pending: PendingAdmin, step: int, config: Config) -> None:
    user.password_hash = pending.password_hash
    user.public_key = base64.b64decode(pending.public_key)
    user.private_key_wrapped = base64.b64decode(pending.private_key_wrapped)
    user.kdf_salt = base64.b64decode(pending.kdf_salt)
    user.totp_secret_encrypted = accounts.encrypt_totp_secret(pending.totp_secret, config)
    user.totp_last_step = step  # the code used here cannot log in again
    user.failed_logins = 0


def complete(
    db: Session, pending: PendingAdmin, code: str, config: Config, entry: Entry
) -> accounts.NewAccount:
    """Confirm the TOTP and create the account in one transaction (the link closes in it too);
    an organisation's first admin makes its key pair in it. A reset's link gives the existing
    account its new passphrase and app instead."""
    check_entry(db, entry)
    step = totp.matching_step(pending.totp_secret, code, 0)
    if step is None:
        raise WrongCode
    link = _link(db, entry, pending)
    if link is not None and link.user_id is not None:
        user = db.get_one(User, link.user_id)
        _credentials(user, pending, step, config)
        audit.record(db, Event.USER_REENROLLED, user, audit.user_subject(user.id), user.organisation_id)
        return accounts.NewAccount(user=user, totp_secret=pending.totp_secret, recovery_key=None)
    organisation = organisations.only(db) if link is None else organisations.get(db, link.organisation_id)
    user = User(
        username=pending.username, role=Role(pending.role), active=True, organisation_id=organisation.id
    )
    user.notify_email = link.notify_email if link is not None else None
    _credentials(user, pending, step, config)
    return accounts.add_user(db, user, None, config)
