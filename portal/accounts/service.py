"""Moderator accounts: creation, log-in, lock-out, password change, reset and key grants.

The rules live here; the key pairs and the TOTP box themselves are handled by
``portal.security.user_keys`` (DESIGN.md §3, §5).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from .. import audit, installation, organisations, scoping, scrub
from ..audit import Event
from ..cases import access, access_jobs
from ..config import Config
from ..db import utcnow
from ..models import Role, User
from ..security import crypto, passwords, sessions, totp, user_keys

log = logging.getLogger(__name__)


class AccountError(Exception):
    """Base of the named failures below."""


class LoginFailed(AccountError):
    """Wrong user, password or TOTP, a replayed TOTP, a disabled or locked account: one answer."""


class WeakPassword(AccountError):
    def __init__(self, problems: tuple[str, ...]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class UsernameTaken(AccountError):
    pass


class UnknownUser(AccountError):
    pass


class UserDisabled(AccountError):
    """The account is disabled: it gets no organisation key (enable it first, :func:`enable`)."""


class AlreadyActive(AccountError):
    """:func:`enable` on an account that was never disabled."""


class NoAccess(AccountError):
    """The acting user cannot open the organisation key (it was never granted to them)."""


@dataclass(frozen=True)
class NewAccount:
    user: User
    totp_secret: str
    recovery_key: str | None  # set only when this account created the organisation key


@dataclass(frozen=True)
class LoggedIn:
    user: User
    org_private_key: bytes | None  # an admin's; a plain moderator's only until their conversion
    private_key: bytes | None  # the user's own, which opens their case keys

    @property
    def keyring(self) -> access.Keyring:
        """What the session keeps: the organisation key for an admin, the own key for the others."""
        if self.user.is_admin:
            return access.Keyring(self.user.id, org_private_key=self.org_private_key)
        return access.Keyring(self.user.id, private_key=self.private_key)


def encrypt_totp_secret(secret: str, config: Config) -> bytes:
    return user_keys.seal_totp_secret(secret, config.secret_key)


def totp_secret(user: User, config: Config) -> str:
    return user_keys.open_totp_secret(user, config.secret_key)


def _credentials(user: User, password: str, secret: str, config: Config) -> None:
    """Set password hash, a fresh key pair wrapped by the password, and the TOTP secret."""
    cost = installation.kdf_cost(config)
    user_keys.give_new_key_pair(user, password, cost)
    user.password_hash = passwords.hasher(cost).hash(password)
    user.totp_secret_encrypted = encrypt_totp_secret(secret, config)
    user.totp_last_step = 0
    user.failed_logins = 0
    user.locked_until = None


def _require_strong(password: str, username: str) -> None:
    strength = passwords.check_strength(password, username)
    if not strength.ok:
        raise WeakPassword(strength.problems)


def build_user(
    username: str, role: Role, password: str, secret: str, config: Config, organisation_id: int | None = None
) -> User:
    """A user object with credentials, not yet added (the set-up wizard confirms TOTP first)."""
    _require_strong(password, username)
    user = User(username=username, role=role, active=True, organisation_id=organisation_id)
    _credentials(user, password, secret, config)
    return user


def _first_of(db: Session, organisation_id: int) -> bool:
    return db.scalar(select(User.id).where(User.organisation_id == organisation_id).limit(1)) is None


def username_taken(db: Session, username: str) -> bool:
    """User names are unique in the whole installation, whichever organisation asks."""
    taken = select(User.id).where(User.username == username).execution_options(**scoping.EVERY_ORGANISATION)
    return db.scalar(taken) is not None


def add_user(db: Session, user: User, actor: User | None, config: Config) -> NewAccount:
    """Store a built user. The first user of an organisation creates its key pair, here, in this
    user's own request, and gets it; the recovery key is shown to them alone (issue 14)."""
    if (user.role is Role.OPERATOR) != (user.organisation_id is None):
        raise ValueError("an operator belongs to no organisation, every other user to one")
    if username_taken(db, user.username):
        raise UsernameTaken(user.username)
    recovery = None
    first = user.organisation_id is not None and _first_of(db, user.organisation_id)
    db.add(user)
    db.flush()
    if first:
        assert user.organisation_id is not None
        org = organisations.create_key(organisations.get(db, user.organisation_id))
        user_keys.seal_org_key(user, org.private)
        recovery = org.recovery_key
        audit.record(db, Event.SETUP_COMPLETED, user, audit.user_subject(user.id))
    audit.record(db, Event.USER_CREATED, actor or user, audit.user_subject(user.id), user.organisation_id)
    return NewAccount(user=user, totp_secret=totp_secret(user, config), recovery_key=recovery)


def create_user(
    db: Session,
    username: str,
    role: Role,
    password: str,
    config: Config,
    actor: User | None = None,
    organisation_id: int | None = None,
) -> NewAccount:
    """A new account in ``organisation_id`` (by default the installation's only organisation; an
    operator in none)."""
    if role is not Role.OPERATOR and organisation_id is None:
        organisation_id = organisations.only(db).id
    user = build_user(username.strip(), role, password, totp.new_secret(), config, organisation_id)
    return add_user(db, user, actor, config)


def find(db: Session, username: str) -> User:
    user = db.scalar(select(User).where(User.username == username))
    if user is None:
        raise UnknownUser(username)
    return user


def _lock_seconds(failures: int, config: Config) -> int:
    extra = failures - config.lockout_threshold
    seconds: int = config.lockout_base_seconds * 2**extra
    return min(seconds, config.lockout_max_seconds)


def authenticate(db: Session, username: str, password: str, code: str, config: Config) -> LoggedIn:
    """Check all three factors; every failure is the same :class:`LoginFailed`.

    A failure is written before it is raised (the count towards the lock-out, the audit event):
    the caller keeps those writes although it refuses (``portal.db.keep_writes``)."""
    cost = installation.kdf_cost(config)
    hasher = passwords.hasher(cost)
    user = db.scalar(select(User).where(User.username == username))
    now = utcnow()
    if user is None:
        # Same work as for a real account: the answer's timing does not reveal user names.
        passwords.verify(hasher, _dummy_hash(cost), password)
        audit.record(db, Event.LOGIN_FAILED)
        raise LoginFailed
    password_ok = passwords.verify(hasher, user.password_hash, password)
    locked = user.locked_until is not None and user.locked_until > now
    step = _matching_step(user, code, config) if password_ok else None
    org_key = private = None
    claimed = False
    if step is not None and not locked and user.active:
        if user.public_key is not None:
            private = user_keys.open_private_key(user, password, cost)
            org_key = user_keys.open_org_key(user, private) if user.has_org_key else None
        # Last, after the argon2id above: on SQLite the claim's write lock lasts until the commit.
        claimed = _claim_step(db, user, step)
    if not claimed:
        if not locked:
            user.failed_logins += 1
            if user.failed_logins >= config.lockout_threshold:
                user.locked_until = now + dt.timedelta(seconds=_lock_seconds(user.failed_logins, config))
        audit.record(db, Event.LOGIN_FAILED, user, audit.user_subject(user.id))
        raise LoginFailed
    user.failed_logins = 0
    user.locked_until = None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    audit.record(db, Event.LOGIN_SUCCEEDED, user, audit.user_subject(user.id))
    if org_key is not None and user.organisation_id is not None:
        # Whoever holds the organisation key sets going what needs it: converting moderators
        # who still hold it, and access jobs whose process ended.
        access_jobs.resume(db, user.organisation_id, org_key)
    return LoggedIn(user=user, org_private_key=org_key, private_key=private)


def log_out(db: Session, user: User) -> None:
    """The end of a moderator's session, for the audit log (the view ends the session itself)."""
    audit.record(db, Event.LOGOUT, user)


def _matching_step(user: User, code: str, config: Config) -> int | None:
    try:
        secret = totp_secret(user, config)
    except crypto.DecryptionFailed:
        # The TOTP secret is sealed under PORTAL_SECRET_KEY: a changed key (e.g. a restore onto a
        # new server) makes every account's second factor unreadable. Refuse like any failed log-in.
        log.error("TOTP secret of user %s cannot be decrypted: was PORTAL_SECRET_KEY changed?", user.id)
        return None
    return totp.matching_step(secret, code, user.totp_last_step)


def _claim_step(db: Session, user: User, step: int) -> bool:
    """Take ``step`` for this log-in in one conditional UPDATE: of log-ins racing with the same
    code exactly one changes the row (the others wait for its lock, then find the step taken),
    where reading the step and writing it back let several pass (issue 13, item 4)."""
    claimed = db.connection().execute(
        update(User)
        .where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
    )
    if claimed.rowcount != 1:
        return False
    set_committed_value(user, "totp_last_step", step)
    return True


_DUMMY_HASHES: dict[crypto.KdfCost, str] = {}


def _dummy_hash(cost: crypto.KdfCost) -> str:
    if cost not in _DUMMY_HASHES:
        _DUMMY_HASHES[cost] = passwords.hasher(cost).hash("not a real password, only for timing")
    return _DUMMY_HASHES[cost]


def open_org_key(user: User, password: str, config: Config) -> bytes:
    """The organisation key an admin holds, opened with their passphrase."""
    return user_keys.open_org_key(
        user, user_keys.open_private_key(user, password, installation.kdf_cost(config))
    )


def change_password(db: Session, user: User, current: str, new: str, config: Config) -> None:
    """Re-wrap the same key pair under the new password: access to the org key is kept."""
    cost = installation.kdf_cost(config)
    if not passwords.verify(passwords.hasher(cost), user.password_hash, current):
        raise LoginFailed
    _require_strong(new, user.username)
    user_keys.rewrap_key_pair(user, current, new, cost)
    # The wrap under the old password would open the key pair from the WAL or a dead tuple.
    scrub.after_commit(db, (User.__tablename__,))
    user.password_hash = passwords.hasher(cost).hash(new)
    audit.record(db, Event.PASSWORD_CHANGED, user, audit.user_subject(user.id))


def reset(db: Session, user: User, password: str, config: Config, actor: User | None = None) -> str:
    """New password, TOTP and key pair; the org key must be granted again. Returns the TOTP secret."""
    _require_strong(password, user.username)
    secret = totp.new_secret()
    _credentials(user, password, secret, config)
    remove_access(db, user)
    # The old key pair (under a password someone else may know) and its grant, out of the files.
    scrub.after_commit(db, (User.__tablename__,))
    audit.record(db, Event.USER_RESET, actor, audit.user_subject(user.id))
    return secret


def disable(db: Session, user: User, actor: User | None = None) -> None:
    """The user is out at once: their key pair and grant go (the database and their passphrase
    open nothing), and every session of theirs ends, in this transaction (issue 13, item 5).
    Once it has committed, the removed values are cleaned out of the database's files too
    (``portal.scrub``): the WAL or a dead tuple would still hold them."""
    user.active = False
    user_keys.remove_key_material(user)
    remove_access(db, user)
    scrub.after_commit(db, (User.__tablename__,))
    sessions.end_sessions_of(db, user.id)
    audit.record(db, Event.USER_DISABLED, actor, audit.user_subject(user.id))


def enable(db: Session, user: User, password: str, config: Config, actor: User | None = None) -> str:
    """A disabled account back, as if new: new password, TOTP and key pair (disabling removed the
    old one), and no organisation key until an administrator grants it. Returns the TOTP secret."""
    if user.active:
        raise AlreadyActive(user.username)
    _require_strong(password, user.username)
    secret = totp.new_secret()
    _credentials(user, password, secret, config)
    remove_access(db, user)
    user.active = True
    audit.record(db, Event.USER_ENABLED, actor, audit.user_subject(user.id))
    return secret


def remove_access(db: Session, user: User) -> None:
    """A new key pair (or none): the case keys sealed to the old one go, and so does the access
    they gave; an admin grants it again."""
    user.case_access = False
    access.remove_all_of(db, user.id)


# The WHATWG "valid e-mail address" (what <input type=email> accepts): simple, predictable, and
# enough for a municipality's addresses; the portal only ever sends a "something to look at" notice.
EMAIL_PATTERN = (
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
EMAIL_MAX = 254  # RFC 5321's limit on a forward path, and the column's length


class InvalidEmail(AccountError):
    pass


class SelfChange(AccountError):
    """An admin tried to disable or reset their own account (they would lock themselves out)."""


def get(db: Session, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise UnknownUser(str(user_id))
    return user


def all_users(db: Session) -> list[User]:
    return list(db.scalars(select(User).order_by(User.username)))


def refuse_self(user: User, actor: User) -> None:
    if user.id == actor.id:
        raise SelfChange


def admin_disable(db: Session, user: User, actor: User) -> None:
    """:func:`disable` from the admin pages: an admin cannot end their own access."""
    refuse_self(user, actor)
    disable(db, user, actor)


def valid_notify_email(email: str | None) -> str | None:
    """The address as it is kept (None for none), or ``InvalidEmail``."""
    value = (email or "").strip() or None
    if value is not None and (len(value) > EMAIL_MAX or not re.fullmatch(EMAIL_PATTERN, value)):
        raise InvalidEmail(value)
    return value


def set_notify_email(db: Session, user: User, email: str | None, actor: User) -> None:
    """Set or (with an empty value) clear the notice address; the address stays out of the log."""
    value = valid_notify_email(email)
    if value == user.notify_email:
        return
    user.notify_email = value
    audit.record(db, Event.USER_CHANGED, actor, audit.user_subject(user.id))
