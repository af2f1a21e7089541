"""The wizard's rules: pending admin kept in the (encrypted) session until TOTP is confirmed.

Two ways in, one wizard: the installation's set-up link (its first organisation and admin, while
nobody has an account) and an organisation's enrolment link (its first admin, ``enrolment``).
"""

from __future__ import annotations

import base64
import hmac
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.orm import Session

from .. import enrolment, installation, organisations
from ..accounts import service as accounts
from ..config import Config
from ..db import utcnow
from ..models import Organisation, Role, User
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
    """Which link opened the wizard: an enrolment link's id, or None for the set-up link."""

    link_id: int | None = None

    def to_session(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_session(cls, data: dict[str, Any]) -> Entry:
        return cls(**data)


def enter_with_link(db: Session, token: str) -> tuple[Entry, Organisation]:
    """The entry an enrolment link gives, with the organisation it sets up (``LinkRefused``)."""
    link = enrolment.open_link(db, token, utcnow())
    return Entry(link.id), organisations.get(db, link.organisation_id)


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
    password_hash: str
    public_key: str
    private_key_wrapped: str
    kdf_salt: str
    totp_secret: str

    @classmethod
    def create(cls, username: str, password: str, config: Config) -> PendingAdmin:
        secret = totp.new_secret()
        user = accounts.build_user(username, Role.ADMIN, password, secret, config)
        return cls(
            username=user.username,
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


def _organisation(db: Session, entry: Entry) -> Organisation:
    if entry.link_id is None:
        check_open(db)
        return organisations.only(db)  # the set-up link sets up the installation's first organisation
    try:
        return enrolment.use(db, entry.link_id, utcnow())
    except enrolment.LinkRefused as refused:
        raise SetupClosed from refused


def complete(
    db: Session, pending: PendingAdmin, code: str, config: Config, entry: Entry
) -> accounts.NewAccount:
    """Confirm the TOTP and create the admin with the organisation key in one transaction (the
    enrolment link closes in it too)."""
    check_entry(db, entry)
    step = totp.matching_step(pending.totp_secret, code, 0)
    if step is None:
        raise WrongCode
    organisation = _organisation(db, entry)
    user = User(username=pending.username, role=Role.ADMIN, active=True, organisation_id=organisation.id)
    user.password_hash = pending.password_hash
    user.public_key = base64.b64decode(pending.public_key)
    user.private_key_wrapped = base64.b64decode(pending.private_key_wrapped)
    user.kdf_salt = base64.b64decode(pending.kdf_salt)
    user.totp_secret_encrypted = accounts.encrypt_totp_secret(pending.totp_secret, config)
    user.totp_last_step = step  # the code used here cannot log in again
    user.failed_logins = 0
    return accounts.add_user(db, user, None, config)
