"""argon2id password hashes and the passphrase strength rule."""

from __future__ import annotations

import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l

from .crypto import KdfCost

MIN_LENGTH = 12
# A passphrase of this many words (of 3+ letters) is strong enough on its own (diceware style).
PASSPHRASE_WORDS = 4
# The most common passwords and keyboard walks, lower-cased; enough to refuse the obvious.
COMMON = frozenset(
    [
        "password",
        "passw0rd",
        "lösenord",
        "losenord",
        "123456789012",
        "qwertyuiopå",
        "qwertyuiop",
        "asdfghjklöä",
        "sommar2024",
        "sommar2025",
        "sommar2026",
        "vinter2025",
        "höst2025",
        "varen2025",
        "welcome123",
        "välkommen123",
        "administrator",
        "letmein1234",
        "iloveyou1234",
        "changeme1234",
    ]
)


def hasher(cost: KdfCost) -> PasswordHasher:
    return PasswordHasher(time_cost=cost.time_cost, memory_cost=cost.memory_kib, parallelism=cost.parallelism)


def verify(ph: PasswordHasher, stored_hash: str, password: str) -> bool:
    try:
        return ph.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class Strength:
    ok: bool
    problems: tuple[str, ...]


def check_strength(password: str, username: str = "") -> Strength:
    """Refuse short, common or one-note passwords; say what would make it better."""
    problems: list[str] = []
    lowered = password.lower()
    words = [w for w in re.split(r"[\s\-_.,]+", password) if len(w) >= 3]
    if len(password) < MIN_LENGTH:
        problems.append(str(_l("Use at least %(n)d characters.", n=MIN_LENGTH)))
    if lowered in COMMON or len(set(lowered)) < 5:
        problems.append(str(_l("This is a very common or repetitive password.")))
    if len(username) >= 4 and username.lower() in lowered:
        problems.append(str(_l("Do not include your user name.")))
    classes = sum(
        bool(re.search(pattern, password)) for pattern in (r"[a-zåäö]", r"[A-ZÅÄÖ]", r"\d", r"[^\w\s]")
    )
    if not problems and len(words) < PASSPHRASE_WORDS and classes < 3 and len(password) < 20:
        problems.append(
            str(
                _l(
                    "Make it harder to guess: four or more unrelated words, or mix "
                    "letters, digits and symbols."
                )
            )
        )
    return Strength(ok=not problems, problems=tuple(problems))
