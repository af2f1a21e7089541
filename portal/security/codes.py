"""One-time codes (DESIGN.md §3): 80 random bits, shown once, never stored.

``k = argon2id(code, installation salt)``; ``lookup = HMAC(k, "lookup")`` is a unique indexed
column (finding a report is one query, never a scan over hashes); ``unwrap = HMAC(k, "wrap")``
opens the record's key. Any string costs exactly one argon2id, known or not.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from .crypto import KdfCost, derive_key, subkey

# Crockford's base32: no I, L, O or U, so nothing is misread; 5 bits per character.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
GROUPS = 4
GROUP_SIZE = 4
LENGTH = GROUPS * GROUP_SIZE  # 16 characters = 80 bits
# Letters people type for the ones that are not in the alphabet.
CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})
MAX_INPUT = 64  # anything longer is not a code; refuse before hashing


class InvalidCode(ValueError):
    """Not shaped like a code (wrong length or characters); nothing was looked up."""


class CodeNotFound(Exception):
    """No record for this code: a malformed, an unknown and a replaced code look the same."""


@dataclass(frozen=True)
class CodeKeys:
    lookup: bytes
    unwrap: bytes


def generate() -> str:
    return format_code("".join(secrets.choice(ALPHABET) for _ in range(LENGTH)))


def format_code(raw: str) -> str:
    return "-".join(raw[i : i + GROUP_SIZE] for i in range(0, LENGTH, GROUP_SIZE))


def normalize(text: str) -> str:
    """Any case, spaces or dashes; the 16 characters of the alphabet, or :class:`InvalidCode`."""
    if len(text) > MAX_INPUT:
        raise InvalidCode
    cleaned = "".join(ch for ch in text.upper() if ch not in " -\t\r\n").translate(CONFUSABLE)
    if len(cleaned) != LENGTH or any(ch not in ALPHABET for ch in cleaned):
        raise InvalidCode
    return cleaned


def derive(code: str, salt: bytes, cost: KdfCost) -> CodeKeys:
    """One argon2id for a normalised code."""
    k = derive_key(code.encode(), salt, cost)
    return CodeKeys(lookup=subkey(k, "lookup"), unwrap=subkey(k, "wrap"))


def derive_typed(text: str, salt: bytes, cost: KdfCost) -> CodeKeys:
    """The keys of a code as someone typed it. Malformed input costs the same argon2id as a real
    attempt and then raises :class:`CodeNotFound`: the time taken tells nothing."""
    try:
        code = normalize(text)
    except InvalidCode:
        derive(ALPHABET[0] * LENGTH, salt, cost)
        raise CodeNotFound from None
    return derive(code, salt, cost)
