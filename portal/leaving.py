"""An organisation leaves the installation (issue 14, item 8): its backup first, then its rows.

:func:`check_backup` reads the whole backup the operator made (every frame authenticated) and
accepts it only if it is of exactly this organisation and at most an hour old. :func:`leave`
then erases, in the caller's transaction, every row the foreign keys give the organisation
(``portal.backup.ownership``: users, reports with their messages, files, notes and labels, lists,
quick replies, its audit log, its moderators' sessions) and the organisation's row with its key
pair. It refuses if the organisation has more rows than the backup holds (a report that came in
after the backup would be lost): only audit events may be newer, and the report counts them.
Once committed, ``portal.scrub`` cleans the erased bytes out of the WAL and dead tuples.

Its forum boards: a board shared with other organisations stays, without it (its posts name no
organisation, so none of them is the leaving one's to take). A board it runs alone goes with its
threads and posts, but only when the operator says so (``erase_own_boards``): forum rows are not
in an organisation's backup yet (docs/backup.md), so erasing them is not covered by the backup,
and the operator may prefer to share the board with another organisation first.

Why a backup made beforehand and not by this command: the operator has made and verified it, can
hand it to the organisation, and has it in hand before anything is erased; a backup made inside
the command would be one nobody has opened yet when its rows are already gone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from . import audit, scrub
from .audit import Event
from .backup import ownership
from .backup.archive import ArchiveReader
from .db import Base, utcnow
from .forum.models import Board, BoardOrganisation, Post, Thread
from .models import Attachment, AuditEvent, Organisation, User
from .security import sessions
from .security.backup_cipher import open_stream

# An older backup may miss what happened since (DESIGN.md: nothing is erased that is not kept).
MAX_BACKUP_AGE = dt.timedelta(hours=1)
# What may be newer than the backup: the organisation's log (the backup's own event among it).
MAY_BE_NEWER = frozenset({AuditEvent.__tablename__})


class LeavingRefused(Exception):
    """The organisation stays; the message says why."""


@dataclass(frozen=True)
class Erased:
    slug: str
    name: str
    rows: dict[str, int]  # per table, the organisation's own row included
    users: int
    files: int
    newer_audit_events: int  # in the log that was erased, not in the backup
    boards: list[str]  # the slugs of the forum boards it ran alone, erased with their posts

    @property
    def total(self) -> int:
        return sum(self.rows.values())

    def lines(self, backup: Path) -> list[str]:
        """The report, printed and written beside the backup: counts only, no content."""
        return [
            f"Organisation {self.slug} ({self.name}) has left the installation at "
            f"{utcnow().isoformat(timespec='seconds')}.",
            f"Its backup: {backup}",
            f"Erased {self.total} rows:",
            *(f"  {table}: {count}" for table, count in sorted(self.rows.items())),
            f"Users erased: {self.users}; their sessions were ended.",
            f"Files erased: {self.files}.",
            "The organisation's key pair is gone: its public key, its private key under the recovery "
            "key, and every user's sealed copy were erased; its recovery key now opens nothing here.",
            f"Audit events newer than the backup, erased with the log: {self.newer_audit_events}.",
            f"Forum boards it ran alone, erased with their threads and posts (not in the backup): "
            f"{', '.join(self.boards) or 'none'}. Boards shared with others stay, without it.",
        ]


def check_backup(path: Path, passphrase: str, organisation: Organisation) -> dict[str, int]:
    """The backup's rows per table, if it is a sound backup of ``organisation`` under an hour old."""
    with path.open("rb") as handle:
        reader = ArchiveReader(open_stream(handle, passphrase))
        ref = reader.info.organisation
        if ref is None or (ref.id, ref.slug) != (organisation.id, organisation.slug):
            made_of = "the whole installation" if ref is None else f"organisation {ref.slug!r}"
            raise LeavingRefused(
                f"{path} is a backup of {made_of}, not of organisation {organisation.slug!r}: make one with "
                f"'flask --app wsgi backup create --organisation {organisation.slug} FILE'"
            )
        age = utcnow() - dt.datetime.fromisoformat(reader.info.created_at)
        if not dt.timedelta(0) <= age <= MAX_BACKUP_AGE:
            raise LeavingRefused(f"{path} was not made within the last hour: make a new backup first")
        rows = {layout.name: 0 for layout in reader.info.tables}
        for layout, _ in reader.rows():  # every frame and count checked, as 'backup verify' does
            rows[layout.name] += 1
    return rows


def boards_of_its_own(db: Session, organisation_id: int) -> dict[int, str]:
    """The forum boards ``organisation_id`` takes part in and no other organisation does."""
    others = select(BoardOrganisation.board_id).where(BoardOrganisation.organisation_id != organisation_id)
    query = (
        select(Board.id, Board.slug)
        .join(BoardOrganisation, BoardOrganisation.board_id == Board.id)
        .where(BoardOrganisation.organisation_id == organisation_id, Board.id.not_in(others))
        .order_by(Board.slug)
    )
    return {board_id: slug for board_id, slug in db.execute(query)}


def _erase_boards(db: Session, boards: dict[int, str]) -> dict[str, int]:
    """The boards with their threads and posts (the foreign keys cascade to flags and texts)."""
    threads = select(Thread.id).where(Thread.board_id.in_(boards))
    counts = {
        Post.__tablename__: db.scalar(select(func.count()).where(Post.thread_id.in_(threads))) or 0,
        Thread.__tablename__: db.scalar(select(func.count()).where(Thread.board_id.in_(boards))) or 0,
    }
    gone = db.execute(delete(Board).where(Board.id.in_(boards)))
    counts[Board.__tablename__] = gone.rowcount  # type: ignore[attr-defined]  # a DELETE's CursorResult
    return counts


def leave(
    db: Session, organisation: Organisation, backed_up: dict[str, int], erase_own_boards: bool = False
) -> Erased:
    """Erase ``organisation`` with all its rows in the caller's transaction."""
    boards = boards_of_its_own(db, organisation.id)
    if boards and not erase_own_boards:
        raise LeavingRefused(
            f"the organisation alone runs the forum boards {', '.join(boards.values())}, which its backup "
            "does not hold: share them with another organisation ('forum share-board'), or pass "
            "--erase-own-boards to erase them with their threads and posts"
        )
    reaches = ownership.reaches(Base.metadata.sorted_tables)
    user_ids = list(db.scalars(select(User.id).where(User.organisation_id == organisation.id)))
    rows: dict[str, int] = _erase_boards(db, boards) if boards else {}
    for name, reach in reversed(reaches.items()):  # children before their parents
        result = db.execute(delete(reach.table).where(reach.condition(organisation.id)))
        rows[name] = result.rowcount  # type: ignore[attr-defined]  # a DELETE's CursorResult
    # Compared with what was deleted, not with a count before: a report that arrives meanwhile is
    # in neither the backup nor the comparison's blind spot. Raising rolls the deletes back.
    for reach in ownership.archived(Base.metadata.sorted_tables):
        gone, kept = rows[reach.name], backed_up.get(reach.name, 0)
        if gone < kept or (gone > kept and reach.name not in MAY_BE_NEWER):
            raise LeavingRefused(
                f"the organisation has {gone} rows in {reach.name} and the backup {kept}: "
                "make a new backup, then leave"
            )
    for user_id in user_ids:
        sessions.end_sessions_of(db, user_id)  # the rows went above; this ends them in Redis too
    db.expunge(organisation)
    erased = Erased(
        slug=organisation.slug,
        name=organisation.name,
        rows=rows,
        users=len(user_ids),
        files=rows[Attachment.__tablename__],
        newer_audit_events=rows[AuditEvent.__tablename__] - backed_up.get(AuditEvent.__tablename__, 0),
        boards=list(boards.values()),
    )
    audit.record(
        db,
        Event.ORGANISATION_LEFT,
        subject=audit.left_subject(erased.slug, erased.total),
        installation_wide=True,
    )
    scrub.after_commit(db, rows)
    return erased
