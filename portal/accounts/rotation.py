"""Replacing the organisation key: ``flask --app wsgi keys rotate`` (docs/keys.md, issue 13 item 5).

Whoever kept the old organisation private key (a departed moderator who had it, a leaked recovery
key) must find nothing it opens in the database afterwards. Everything sealed to or wrapped under
the organisation key is therefore renewed, in the caller's one transaction:

- ``organisations``: the new public key, and the new private key under a new recovery key;
- ``reports.key_sealed``: every report key of the organisation sealed to the new public key (the report keys
  themselves, and so every text, message, note and file, are unchanged);
- ``users.org_key_sealed``: every active admin holding a grant gets the new key; a disabled
  account's grant is removed instead (it must not receive the new key), and so is a plain
  moderator's from before case keys (issue 15): the rotation seals their case keys instead;
- ``case_keys``: every case key a reader may hold and lacks is sealed on the way (the report keys
  pass through the rotation anyway), so no access job is left to do. Case keys are sealed to the
  moderators' own public keys and do not change with the organisation key.

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

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Row, func, select, update
from sqlalchemy.orm import Session

from .. import audit, organisations, scrub
from ..audit import Event
from ..cases import access_jobs, vault
from ..models import CaseExclusion, CaseKey, Organisation, Report, Role, User
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
    grants: int  # active admins re-granted
    revoked: int  # grants of disabled users removed
    converted: int  # plain moderators' copies of the old key removed: they read through case keys


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
    converting = [
        user
        for user in db.scalars(select(User).where(User.organisation_id == organisation_id).order_by(User.id))
        if user.active
        and user.role is Role.MODERATOR
        and user.public_key is not None
        and (user.case_access or user.org_key_sealed is not None)
    ]
    for user in converting:
        user.case_access = True
    readers = {user.id: user for user in converting}
    done, last_id = 0, 0
    while batch := db.execute(
        select(Report.id, Report.key_sealed, Report.only_assigned, Report.assignee_id)
        .where(own, Report.id > last_id)
        .order_by(Report.id)
        .limit(REPORT_BATCH)
    ).all():
        keys = {report_id: vault.key_from_org_sealed(sealed, old_private) for report_id, sealed, *_ in batch}
        db.execute(
            update(Report),
            [
                {"id": report_id, "key_sealed": vault.reseal_key(key, new.public)}
                for report_id, key in keys.items()
            ],
        )
        if readers:
            _seal_missing(db, batch, keys, readers)
        done, last_id = done + len(batch), batch[-1].id
        progress(done, total)
    access_jobs.finish_all(db, organisation_id)
    grants = revoked = converted = 0
    holders = select(User).where(User.organisation_id == organisation_id, User.org_key_sealed.is_not(None))
    for user in db.scalars(holders.order_by(User.id)):
        if user.active and user.is_admin:
            user_keys.seal_org_key(user, new.private)
            grants += 1
            continue
        user.org_key_sealed = None
        if user.active:
            converted += 1
        else:
            revoked += 1
    audit.record(db, Event.ORG_KEY_ROTATED, organisation_id=organisation_id)
    db.flush()
    return Rotated(
        recovery_key=new.recovery_key, reports=done, grants=grants, revoked=revoked, converted=converted
    )


def _seal_missing(
    db: Session,
    batch: Sequence[Row[int, bytes, bool, int | None]],
    keys: dict[int, bytes],
    readers: dict[int, User],
) -> None:
    """The case keys of a batch of reports that their readers may hold and lack (the rule of
    ``cases/access.may_hold``)."""
    ids = list(keys)
    held = set(db.execute(select(CaseKey.report_id, CaseKey.user_id).where(CaseKey.report_id.in_(ids))))
    out = set(
        db.execute(
            select(CaseExclusion.report_id, CaseExclusion.user_id).where(CaseExclusion.report_id.in_(ids))
        )
    )
    for report_id, _sealed, only_assigned, assignee_id in batch:
        for user_id, user in readers.items():
            pair = (report_id, user_id)
            if pair in held or pair in out or (only_assigned and assignee_id != user_id):
                continue
            assert user.public_key is not None
            sealed = vault.case_key(keys[report_id], user.public_key)
            db.add(CaseKey(report_id=report_id, user_id=user_id, sealed=sealed))
