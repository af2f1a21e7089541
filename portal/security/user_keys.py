"""A moderator's secrets: the key pair wrapped by their password, the organisation key sealed to
it (admins), and the box that keeps their TOTP secret.

The only code that wraps or unwraps a moderator's key pair (DESIGN.md §3); when that happens is
decided by ``portal.accounts.service``.
"""

from __future__ import annotations

from ..models import User
from . import crypto


class NoKeyPair(Exception):
    """The user's key pair was removed (they were disabled); only a new one gives access again."""


def _totp_box_key(secret_key: str) -> bytes:
    return crypto.subkey(secret_key.encode(), "portal:totp-secret")


def seal_totp_secret(secret: str, secret_key: str) -> bytes:
    return crypto.wrap(_totp_box_key(secret_key), secret.encode())


def open_totp_secret(user: User, secret_key: str) -> str:
    """Raises :class:`crypto.DecryptionFailed` when ``secret_key`` is not the one it was sealed under."""
    return crypto.unwrap(_totp_box_key(secret_key), user.totp_secret_encrypted).decode()


def give_new_key_pair(user: User, password: str, cost: crypto.KdfCost) -> None:
    """A fresh key pair wrapped by ``password``; any earlier grant of the organisation key is void."""
    wrapped = crypto.wrap_key_pair(crypto.KeyPair.generate(), password, cost)
    user.public_key = wrapped.public
    user.private_key_wrapped = wrapped.private_wrapped
    user.kdf_salt = wrapped.kdf_salt
    user.org_key_sealed = None


def remove_key_material(user: User) -> None:
    """Disabling: the key pair and the grant sealed to it go, so that the database and the
    user's passphrase open nothing any more (issue 13, item 5). Access comes back only with a new
    key pair (:func:`give_new_key_pair`) and an administrator's new grant."""
    user.public_key = user.private_key_wrapped = user.kdf_salt = None
    user.org_key_sealed = None


def _public_key(user: User) -> bytes:
    if user.public_key is None:
        raise NoKeyPair
    return user.public_key


def open_private_key(user: User, password: str, cost: crypto.KdfCost) -> bytes:
    """The user's own private key (it opens their case keys and their grant)."""
    if user.private_key_wrapped is None or user.kdf_salt is None:
        raise NoKeyPair
    wrapped = crypto.WrappedKeyPair(_public_key(user), user.private_key_wrapped, user.kdf_salt)
    return crypto.unwrap_private_key(wrapped, password, cost)


def rewrap_key_pair(user: User, current: str, new: str, cost: crypto.KdfCost) -> None:
    """The same key pair under a new password, so the organisation key stays open to the user."""
    private = open_private_key(user, current, cost)
    rewrapped = crypto.wrap_key_pair(crypto.KeyPair(public=_public_key(user), private=private), new, cost)
    user.private_key_wrapped, user.kdf_salt = rewrapped.private_wrapped, rewrapped.kdf_salt


def open_org_key(user: User, private_key: bytes) -> bytes:
    assert user.org_key_sealed is not None
    return crypto.unseal(private_key, user.org_key_sealed)


def seal_org_key(user: User, org_private_key: bytes) -> None:
    user.org_key_sealed = crypto.seal(_public_key(user), org_private_key)


def recover_org_key(recovery_key_text: str, org_private_key_recovery: bytes) -> bytes:
    """The organisation's private key, opened with the offline recovery key."""
    return crypto.unwrap(crypto.parse_recovery_key(recovery_key_text), org_private_key_recovery)
