"""Record keys: a random number per report, for the cell-key method of exported statistics.

Drawn once, when the report is received, uniform in ``0 .. N-1``; never shown, and it identifies no
one (it is not derived from anything). See ``portal/moderation/stats/cell_key.py``.
"""

from __future__ import annotations

import secrets

N = 2**16


def new_record_key() -> int:
    return secrets.randbelow(N)
