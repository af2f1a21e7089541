"""Replacing the organisation key: ``flask --app wsgi keys rotate`` (docs/keys.md, issue 13 item 5).

Whoever kept the old organisation private key (a departed moderator who had it, a leaked recovery
key) must find nothing it opens in the database afterwards. Everything sealed to or wrapped under
the organisation key is therefore renewed, in the caller's one transaction:

- ``organisations``: the new public key, and the new private key under a new recovery key;
- ``reports.key_sealed``: every report key of the organisation sealed to the new public key (the report keys
  themselves, and so every text, message, note and file, are unchanged);
- ``users.org_key_sealed``: every active holder of a grant in the organisation gets the new key; a disabled
  account's grant is removed instead (it must not receive the new key).

Nothing else derives from the organisation key: reporters reach their report key through their
code (``reports.key_wrapped``), forum codes and rate limits have keys of their own, backups are
encrypted under their own passphrase, and notices carry no report content. The caller ends every
session (``security.sessions.end_all_sessions``): moderators' sessions carry the old key unsealed.

The old wraps must not outlive the rotation in the database's files either: the old recovery wrap
opens the old key with the old recovery key, an old grant with its holder's unchanged passphrase,
and that key every old ``key_sealed``. The rewritten tables are marked for ``portal.scrub``, which
checkpoints the SQLite WAL or VACUUMs them on PostgreSQL once the rotation has committed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from .. import audit, organisations, scrub
from ..audit import Event
from ..cases import vault
from ..models import Organisation, Report, User
from ..security import user_keys
from .service import NoAccess

# Reports are re-sealed this many at a time: memory stays bounded by the batch (only the id and
# the 80-byte sealed key are read), and one UPDATE statement carries the whole batch.
REPORT_BATCH = 1000
# The tables whose old values the rotation overwrites.
ROTATED_TABLES = tuple(model.__tablename__ for model in (Organisation, Report, User))

Progress = Callable[[int, int], None]  # (reports re-sealed so far, reports in all)


@dataclass(frozen=True)
class Rotated:
    recovery_key: str  # formatted for display, shown once after the commit
    reports: int  # re-sealed to the new key
    grants: int  # active users re-granted
    revoked: int  # grants of disabled users removed


def _no_progress(done: int, total: int) -> None:
    pass


def rotate(
    db: Session, organisation_id: int, recovery_key_text: str, progress: Progress = _no_progress
) -> Rotated:
    """A new key for the organisation, in place of the one ``recovery_key_text`` opens.

    Raises :class:`NoAccess` when there is no organisation key yet and
    :class:`~portal.security.crypto.DecryptionFailed` when the recovery key does not open it;
    nothing has been changed then. Flushes, never commits: a failure anywhere leaves everything
    as it was once the caller rolls back.
    """
    row = organisations.lock_for_sealing(db, organisation_id, share=False)
    if row.private_key_recovery is None:
        raise NoAccess
    old_private = user_keys.recover_org_key(recovery_key_text, row.private_key_recovery)
    new = organisations.replace_key(row)
    scrub.after_commit(db, ROTATED_TABLES)
    own = Report.organisation_id == organisation_id
    total = db.scalar(select(func.count()).select_from(Report).where(own)) or 0
    done, last_id = 0, 0
    while batch := db.execute(
        select(Report.id, Report.key_sealed)
        .where(own, Report.id > last_id)
        .order_by(Report.id)
        .limit(REPORT_BATCH)
    ).all():
        resealed = [
            {"id": report_id, "key_sealed": vault.reseal(sealed, old_private, new.public)}
            for report_id, sealed in batch
        ]
        db.execute(update(Report), resealed)
        done, last_id = done + len(batch), batch[-1].id
        progress(done, total)
    grants = revoked = 0
    holders = select(User).where(User.organisation_id == organisation_id, User.org_key_sealed.is_not(None))
    for user in db.scalars(holders.order_by(User.id)):
        if user.active:
            user_keys.seal_org_key(user, new.private)
            grants += 1
        else:
            user.org_key_sealed = None
            revoked += 1
    audit.record(db, Event.ORG_KEY_ROTATED, organisation_id=organisation_id)
    db.flush()
    return Rotated(recovery_key=new.recovery_key, reports=done, grants=grants, revoked=revoked)
