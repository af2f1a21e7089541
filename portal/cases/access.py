"""Who may read a case, and the case keys that make it so (issue 15, part 2; DESIGN.md §3).

Admins read every case of their organisation through the organisation key, which they alone hold
(with the offline recovery key). A plain moderator reads a case only through a *case key*: the
report key sealed to their own public key. They hold one for every case of the organisation,
sealed at submission or by an access job (``access_jobs``), except where an admin has

- **excluded** them from the case (a conflict of interest): their case key is deleted, now and for
  any later grant, or
- restricted the case to **its assignee only**: every other moderator's case key is deleted.

Without a case key, neither the portal (the queue, the dashboard and every page filter on it,
``portal.scoping``) nor their own key material and a copy of the database open the case: a deleted
key is scrubbed out of the database files after the commit (``portal.scrub``). Admins cannot be
excluded. Every grant and exclusion is audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .. import audit, organisations, scrub
from ..audit import Event
from ..models import CaseExclusion, CaseKey, Report, Role, User
from . import vault

CASE_KEY_TABLES = (CaseKey.__tablename__,)


class AdminNotExcludable(Exception):
    """An admin holds the organisation key: keeping them out of one case is impossible."""


class NoCaseKey(Exception):
    """The session holds no key that opens this case."""


@dataclass(frozen=True)
class Keyring:
    """What a moderator's session holds to open cases: an admin the organisation's private key, a
    plain moderator their own private key (which opens their case keys)."""

    user_id: int
    org_private_key: bytes | None = None
    private_key: bytes | None = None


def report_key(db: Session, report: Report, keyring: Keyring) -> bytes:
    if keyring.org_private_key is not None:
        return vault.key_from_org(report, keyring.org_private_key)
    if keyring.private_key is not None:
        sealed = db.scalar(
            select(CaseKey.sealed).where(CaseKey.report_id == report.id, CaseKey.user_id == keyring.user_id)
        )
        if sealed is not None:
            return vault.key_from_case_key(sealed, keyring.private_key)
    raise NoCaseKey


def readers(db: Session, organisation_id: int) -> list[User]:
    """The organisation's plain moderators who may read cases (granted, active, with a key pair)."""
    return list(
        db.scalars(
            select(User)
            .where(
                User.organisation_id == organisation_id,
                User.role == Role.MODERATOR,
                User.active.is_(True),
                User.case_access.is_(True),
                User.public_key.is_not(None),
            )
            .order_by(User.id)
        )
    )


def seal_for_readers(db: Session, report: Report, report_key: bytes) -> None:
    """At submission: the new report's key sealed to every reader (their public keys are in the
    database, so nobody needs to be online). Called under the organisation's sealing lock, which a
    grant takes too: a moderator granted meanwhile is either sealed to here or reached by their job."""
    for user in readers(db, report.organisation_id):
        assert user.public_key is not None
        report.case_keys.append(CaseKey(user_id=user.id, sealed=vault.case_key(report_key, user.public_key)))


def excluded_ids(db: Session, report_id: int) -> set[int]:
    return set(db.scalars(select(CaseExclusion.user_id).where(CaseExclusion.report_id == report_id)))


def holder_ids(db: Session, report_id: int) -> set[int]:
    return set(db.scalars(select(CaseKey.user_id).where(CaseKey.report_id == report_id)))


def may_hold(report: Report, user: User, excluded: set[int]) -> bool:
    """The rule: a reader holds a case key unless excluded or the case is for its assignee only."""
    if user.id in excluded:
        return False
    return not report.only_assigned or report.assignee_id == user.id


@dataclass(frozen=True)
class Access:
    """What the case page's access panel shows."""

    only_assigned: bool
    excluded: set[int]
    holders: set[int]
    readers: list[User]  # the plain moderators who could hold a key


def of(db: Session, report: Report) -> Access:
    return Access(
        only_assigned=report.only_assigned,
        excluded=excluded_ids(db, report.id),
        holders=holder_ids(db, report.id),
        readers=readers(db, report.organisation_id),
    )


def _subject(report_id: int, user_id: int) -> str:
    return f"{audit.case_subject(report_id)}:{audit.user_subject(user_id)}"


def restrict(
    db: Session,
    report: Report,
    report_key: bytes,
    actor: User,
    exclude: Iterable[int],
    only_assigned: bool,
) -> None:
    """Set who is kept out of the case, and whether it is for its assignee only; then give and
    take case keys to match (in the caller's transaction, audited one by one).

    Under the organisation's sealing lock, taken exclusively: an access job's batch, which reads
    the exclusions before it seals, cannot interleave and give an excluded moderator a key."""
    organisations.lock_for_sealing(db, report.organisation_id, share=False)
    wanted = set(exclude)
    admins = set(db.scalars(select(User.id).where(User.id.in_(wanted), User.role != Role.MODERATOR)))
    if admins:
        raise AdminNotExcludable
    before = excluded_ids(db, report.id)
    for user_id in sorted(wanted - before):
        db.add(CaseExclusion(report_id=report.id, user_id=user_id))
        audit.record(db, Event.CASE_ACCESS_EXCLUDED, actor, _subject(report.id, user_id))
    lifted = before - wanted
    if lifted:
        db.execute(
            delete(CaseExclusion).where(
                CaseExclusion.report_id == report.id, CaseExclusion.user_id.in_(lifted)
            )
        )
        for user_id in sorted(lifted):
            audit.record(db, Event.CASE_ACCESS_INCLUDED, actor, _subject(report.id, user_id))
    if only_assigned != report.only_assigned:
        report.only_assigned = only_assigned
        event = Event.CASE_ACCESS_RESTRICTED if only_assigned else Event.CASE_ACCESS_OPENED
        audit.record(db, event, actor, audit.case_subject(report.id))
    sync(db, report, report_key, actor, excluded=wanted)


def sync(
    db: Session, report: Report, report_key: bytes, actor: User, excluded: set[int] | None = None
) -> None:
    """Give a case key to every reader who may hold one and lacks it, and delete it where they may
    not (after an exclusion, a restriction, a new assignee). Deleted keys are scrubbed from the
    files once the transaction has committed."""
    if excluded is None:
        excluded = excluded_ids(db, report.id)
    holders = holder_ids(db, report.id)
    gone: set[int] = set()
    for user in readers(db, report.organisation_id):
        allowed = may_hold(report, user, excluded)
        if allowed and user.id not in holders:
            assert user.public_key is not None
            db.add(
                CaseKey(
                    report_id=report.id, user_id=user.id, sealed=vault.case_key(report_key, user.public_key)
                )
            )
            audit.record(db, Event.CASE_ACCESS_GRANTED, actor, _subject(report.id, user.id))
        elif not allowed and user.id in holders:
            gone.add(user.id)
    if gone:
        db.execute(delete(CaseKey).where(CaseKey.report_id == report.id, CaseKey.user_id.in_(gone)))
        for user_id in sorted(gone):
            audit.record(db, Event.CASE_ACCESS_WITHDRAWN, actor, _subject(report.id, user_id))
        scrub.after_commit(db, CASE_KEY_TABLES)
    db.flush()


def remove_all_of(db: Session, user_id: int) -> None:
    """A disabled, reset or promoted user's case keys go (a new key pair opens none of them
    anyway; a disabled user's old key pair must open nothing in the files either)."""
    db.execute(delete(CaseKey).where(CaseKey.user_id == user_id))
    scrub.after_commit(db, CASE_KEY_TABLES)
