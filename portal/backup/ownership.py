"""Which rows belong to one organisation, derived from the foreign keys (issue 14, items 6 and 8).

A row belongs to an organisation when it refers with ``ON DELETE CASCADE`` to the organisation's
row, or to a row that belongs to it: exactly the rows the database itself deletes with the
organisation. Users, reports, labels, quick replies and audit events hang directly on
``organisations.id``; messages, attachments, notes and report labels on ``reports.id``; moderators'
sessions on ``users.id``. Nothing here lists those tables: a table added later is found by its
foreign keys, and ``tests/unit/backup/test_ownership.py`` fails for a table that is neither
reachable from an organisation nor named installation-wide below.

Only a ``CASCADE`` edge is ownership: ``SET NULL`` (a message's author, an audit event's actor)
is a reference that may point anywhere, and a restore drops it when its target is not there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, ForeignKey, Table, select

ROOT = "organisations"
# Shared by every organisation: the code salt (a restore adopts it) and Alembic's revision.
INSTALLATION_WIDE = frozenset({"installation", "alembic_version"})
# Known gap: the forum's boards are being given owners (shared boards, issue 14 item 4); until
# then forum rows are the installation's and stay out of an organisation's backup (docs/backup.md).
FORUM_PREFIX = "forum_"
# Live sessions are never backed up (portal/backup/database.py); leaving ends them.
NOT_ARCHIVED = frozenset({"server_sessions"})


@dataclass(frozen=True)
class Reach:
    """How ``table``'s rows reach their organisation: ``column`` refers to ``parent``'s
    ``parent_column`` (``parent`` is ``organisations`` for a direct link; None for the root)."""

    table: Table
    column: str | None
    parent: Reach | None
    parent_column: str | None

    @property
    def name(self) -> str:
        return self.table.name

    def condition(self, organisation_id: int) -> ColumnElement[bool]:
        """The rows of ``table`` that belong to organisation ``organisation_id``."""
        if self.parent is None or self.column is None or self.parent_column is None:
            return self.table.c.id == organisation_id
        if self.parent.parent is None:
            return self.table.c[self.column] == organisation_id
        owners = select(self.parent.table.c[self.parent_column]).where(self.parent.condition(organisation_id))
        return self.table.c[self.column].in_(owners)


def is_forum(name: str) -> bool:
    return name.startswith(FORUM_PREFIX)


def _owning_key(table: Table, owned: dict[str, Reach]) -> ForeignKey | None:
    """The table's ``CASCADE`` foreign key to an owned table; a direct one to the root first."""
    keys = [
        key
        for key in sorted(table.foreign_keys, key=lambda key: key.parent.name)
        if (key.ondelete or "").upper() == "CASCADE" and key.column.table.name in owned
    ]
    keys.sort(key=lambda key: key.column.table.name != ROOT)
    return keys[0] if keys else None


def reaches(tables: Iterable[Table]) -> dict[str, Reach]:
    """Every table that belongs to an organisation, the root included, parents before children.

    ``tables`` in foreign-key order (``MetaData.sorted_tables``), so one pass finds every path."""
    owned: dict[str, Reach] = {}
    for table in tables:
        if table.name == ROOT:
            owned[ROOT] = Reach(table, None, None, None)
            continue
        key = _owning_key(table, owned)
        if key is not None:
            owned[table.name] = Reach(table, key.parent.name, owned[key.column.table.name], key.column.name)
    return owned


def unowned(tables: Iterable[Table]) -> list[str]:
    """Tables that are neither an organisation's nor named installation-wide: each must be put
    in one place or the other before an organisation's backup can be trusted to be whole."""
    tables = list(tables)
    owned = reaches(tables)
    return sorted(
        table.name
        for table in tables
        if table.name not in owned and table.name not in INSTALLATION_WIDE and not is_forum(table.name)
    )


def archived(tables: Iterable[Table]) -> list[Reach]:
    """What an organisation's backup holds besides the installation row, parents first."""
    return [
        reach for name, reach in reaches(tables).items() if name not in NOT_ARCHIVED and not is_forum(name)
    ]
