"""What every test app runs with: the second backend's addresses, the client's address, cheap KDF.

Plain values, importable from any test, benchmark or helper; the fixtures that use them are in
``tests/conftest.py``.
"""

from __future__ import annotations

import os
from typing import TypedDict

PG_URL = os.environ.get("PORTAL_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL", "")
CLIENT_ADDRESS = "203.0.113.77"  # TEST-NET-3: must never appear in a row, file or log line


class KdfFields(TypedDict):
    """The Config fields of the Argon2 cost, so that ``Config(**CHEAP_KDF)`` type-checks."""

    argon2_memory_kib: int
    argon2_time_cost: int
    argon2_parallelism: int


# argon2's minimum cost: tests of the real parameters set them explicitly.
CHEAP_KDF: KdfFields = {"argon2_memory_kib": 8, "argon2_time_cost": 1, "argon2_parallelism": 1}
