"""The wizard's rules: pending admin kept in the (encrypted) session until TOTP is confirmed."""

from __future__ import annotations

import base64
import hmac
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.orm import Session

from .. import installation, organisations
from ..accounts import service as accounts
from ..config import Config
from ..models import Role, User
from ..security import totp


class SetupClosed(Exception):
    """An admin exists: the wizard and its token no longer work."""


class BadToken(Exception):
    pass


class WrongCode(Exception):
    pass


def check_open(db: Session) -> None:
    if installation.has_users(db):
        raise SetupClosed


def check_token(db: Session, token: str, config: Config) -> None:
    check_open(db)
    if not hmac.compare_digest(token.encode(), installation.setup_token(config).encode()):
        raise BadToken


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


def complete(db: Session, pending: PendingAdmin, code: str, config: Config) -> accounts.NewAccount:
    """Confirm the TOTP and create the admin with the organisation key in one transaction."""
    check_open(db)
    step = totp.matching_step(pending.totp_secret, code, 0)
    if step is None:
        raise WrongCode
    organisation = organisations.only(db)  # the wizard sets up the installation's first organisation
    user = User(username=pending.username, role=Role.ADMIN, active=True, organisation_id=organisation.id)
    user.password_hash = pending.password_hash
    user.public_key = base64.b64decode(pending.public_key)
    user.private_key_wrapped = base64.b64decode(pending.private_key_wrapped)
    user.kdf_salt = base64.b64decode(pending.kdf_salt)
    user.totp_secret_encrypted = accounts.encrypt_totp_secret(pending.totp_secret, config)
    user.totp_last_step = step  # the code used here cannot log in again
    user.failed_logins = 0
    return accounts.add_user(db, user, None, config)
