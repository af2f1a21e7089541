"""An admin's reset of a colleague's account (issue 17, item 14): everything that opened it stops
at once, and its owner chooses a new passphrase and app through a link (``enrolment.reissue``),
so the admin never learns them (the log names the admin who issued the link). ``service.reset``
is the shell's reset, with a passphrase typed there."""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from .. import audit, installation, scrub
from ..audit import Event
from ..config import Config
from ..models import User
from ..security import passwords, sessions, totp, user_keys
from .service import encrypt_totp_secret, refuse_self, remove_access


def reset(db: Session, user: User, config: Config, actor: User) -> None:
    """An admin's reset (a forgotten passphrase, a lost phone): the passphrase, the app's key and
    the key pair stop working at once, with the access and every session; the owner chooses new
    ones through a link (``enrolment.reissue``), so the admin never knows them. An admin changes
    their own password instead."""
    refuse_self(user, actor)
    cost = installation.kdf_cost(config)
    user_keys.remove_key_material(user)
    # A hash and an app key of secrets nobody holds: a log-in costs what it always costs, and fails.
    user.password_hash = passwords.hasher(cost).hash(secrets.token_urlsafe(32))
    user.totp_secret_encrypted = encrypt_totp_secret(totp.new_secret(), config)
    user.totp_last_step = user.failed_logins = 0
    user.locked_until = None
    remove_access(db, user)
    sessions.end_sessions_of(db, user.id)
    scrub.after_commit(db, (User.__tablename__,))
    audit.record(db, Event.USER_RESET, actor, audit.user_subject(user.id))


def awaits_new_credentials(user: User) -> bool:
    """Reset by an admin, and its owner has not yet followed the link."""
    return user.active and user.public_key is None
