"""Keys and wrapping (DESIGN.md §3, encryption at rest).

- KDF: argon2id over a secret (password, code, ...) and a salt, giving a 32-byte key.
- wrap/unwrap: XSalsa20-Poly1305 (NaCl SecretBox) under a 32-byte key.
- seal/unseal: anonymous X25519 sealed boxes to a public key.
"""

from __future__ import annotations

import base64
import hmac
import secrets
from dataclasses import dataclass
from hashlib import sha256

from argon2.low_level import Type, hash_secret_raw
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox
from nacl.secret import SecretBox

KEY_BYTES = 32
SALT_BYTES = 16


class DecryptionFailed(Exception):
    """A ciphertext did not open under the key given (wrong key or tampered data)."""


@dataclass(frozen=True)
class KdfCost:
    memory_kib: int
    time_cost: int
    parallelism: int


def derive_key(secret: bytes, salt: bytes, cost: KdfCost) -> bytes:
    """argon2id(secret, salt) -> 32 bytes."""
    return hash_secret_raw(
        secret=secret,
        salt=salt,
        time_cost=cost.time_cost,
        memory_cost=cost.memory_kib,
        parallelism=cost.parallelism,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


def subkey(key: bytes, purpose: str) -> bytes:
    """Domain-separated 32-byte key: HMAC-SHA256(key, purpose)."""
    return hmac.new(key, purpose.encode(), sha256).digest()


def new_salt() -> bytes:
    return secrets.token_bytes(SALT_BYTES)


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def wrap(key: bytes, plaintext: bytes) -> bytes:
    return bytes(SecretBox(key).encrypt(plaintext))


def unwrap(key: bytes, ciphertext: bytes) -> bytes:
    try:
        return SecretBox(key).decrypt(ciphertext)
    except CryptoError as exc:
        raise DecryptionFailed from exc


def seal(public_key: bytes, plaintext: bytes) -> bytes:
    return bytes(SealedBox(PublicKey(public_key)).encrypt(plaintext))


def unseal(private_key: bytes, ciphertext: bytes) -> bytes:
    try:
        return SealedBox(PrivateKey(private_key)).decrypt(ciphertext)
    except CryptoError as exc:
        raise DecryptionFailed from exc


@dataclass(frozen=True)
class KeyPair:
    public: bytes
    private: bytes

    @classmethod
    def generate(cls) -> KeyPair:
        private = PrivateKey.generate()
        return cls(public=bytes(private.public_key), private=bytes(private))

    @staticmethod
    def public_of(private: bytes) -> bytes:
        return bytes(PrivateKey(private).public_key)


@dataclass(frozen=True)
class WrappedKeyPair:
    """A user's key pair with the private half wrapped by a password-derived key."""

    public: bytes
    private_wrapped: bytes
    kdf_salt: bytes


def wrap_key_pair(pair: KeyPair, password: str, cost: KdfCost) -> WrappedKeyPair:
    salt = new_salt()
    wrapped = wrap(derive_key(password.encode(), salt, cost), pair.private)
    return WrappedKeyPair(public=pair.public, private_wrapped=wrapped, kdf_salt=salt)


def unwrap_private_key(wrapped: WrappedKeyPair, password: str, cost: KdfCost) -> bytes:
    return unwrap(derive_key(password.encode(), wrapped.kdf_salt, cost), wrapped.private_wrapped)


# The recovery key: 32 random bytes shown once as base32 in groups of four, kept offline.
RECOVERY_GROUP = 4


def format_recovery_key(key: bytes) -> str:
    text = base64.b32encode(key).decode().rstrip("=")
    return "-".join(text[i : i + RECOVERY_GROUP] for i in range(0, len(text), RECOVERY_GROUP))


def parse_recovery_key(text: str) -> bytes:
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    padding = "=" * (-len(cleaned) % 8)
    try:
        key = base64.b32decode(cleaned + padding)
    except ValueError as exc:
        raise DecryptionFailed from exc
    if len(key) != KEY_BYTES:
        raise DecryptionFailed
    return key
