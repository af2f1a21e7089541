"""What a backup command answers: a refusal that says why, or a summary of the rows."""

from __future__ import annotations

from dataclasses import dataclass


class BackupRefused(Exception):
    """The operation cannot go ahead; the message says why and what to do instead."""


@dataclass(frozen=True)
class Summary:
    revision: str
    rows: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.rows.values())
