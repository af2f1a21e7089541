"""What the installation operator does to organisations, from the shell or from /operator.

The operator's session sees no organisation's rows (``scoping``); each change is written under
``scoping.acting_for`` into the organisation's own audit log, with the operator as actor (None
at the shell, which is not a portal user). The operator makes organisations and enrolment links,
never a key: the organisation's first admin makes it by following the link (``enrolment``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import audit, enrolment, organisations, retention, scoping
from ..audit import Event
from ..config import Config
from ..enrolment import OrganisationHasUsers
from ..models import Organisation, User

__all__ = ["OrganisationHasUsers"]


def create_organisation(
    db: Session, slug: str, name: str, actor: User | None, now: dt.datetime
) -> tuple[Organisation, str]:
    """A new organisation without a key, and the token of its first admin's enrolment link."""
    row = organisations.create(db, slug, name)
    with scoping.acting_for(db, row.id):
        audit.record(db, Event.ORGANISATION_CREATED, actor, audit.organisation_subject(row.slug), row.id)
    return row, issue_link(db, row, actor, now)


def issue_link(db: Session, row: Organisation, actor: User | None, now: dt.datetime) -> str:
    """A new enrolment link for ``row``'s first admin (``OrganisationHasUsers`` once enrolled)."""
    with scoping.acting_for(db, row.id):
        return enrolment.issue(db, row, actor, now)


def rename(db: Session, row: Organisation, name: str, actor: User | None) -> None:
    organisations.rename(row, name)
    _changed(db, row, actor)


def set_host(db: Session, row: Organisation, host: str | None, actor: User | None) -> None:
    organisations.set_host(db, row, host)
    _changed(db, row, actor)


def _changed(db: Session, row: Organisation, actor: User | None) -> None:
    with scoping.acting_for(db, row.id):
        audit.record(db, Event.ORGANISATION_CHANGED, actor, audit.organisation_subject(row.slug), row.id)


def enrolment_url(config: Config, token: str) -> str:
    return enrolment.link_url(config.base_url, token)


@dataclass(frozen=True)
class OrganisationState:
    """One organisation as the operator sees it: no report, no user name."""

    id: int
    slug: str
    name: str
    host: str | None
    pooled: bool
    takes_reports: bool
    active_users: int
    link_expires: dt.datetime | None  # the enrolment link that still works, if any
    last_purge: dt.datetime | None  # its last completed retention purge (UTC)
    purge_late: bool  # it takes reports and its purge has not run for two days

    @property
    def enrolled(self) -> bool:
        return self.active_users > 0 or self.takes_reports

    @property
    def state_text(self) -> str:
        """For ``organisations list`` (the shell speaks English)."""
        if self.enrolled:
            return f"{self.active_users} active user(s)"
        if self.link_expires is not None:
            return f"awaiting its first admin (link until {self.link_expires:%Y-%m-%d %H:%M} UTC)"
        return "awaiting its first admin (no working link: organisations enrol)"


def overview(db: Session, now: dt.datetime) -> list[OrganisationState]:
    """Every organisation, by name, with the number of its active users and its open link."""
    query = (
        select(User.organisation_id, func.count())
        .where(User.active.is_(True), User.organisation_id.is_not(None))
        .group_by(User.organisation_id)
        .execution_options(**scoping.EVERY_ORGANISATION)
    )
    users: dict[int | None, int] = {organisation_id: count for organisation_id, count in db.execute(query)}
    purges = retention.last_purges(db)
    links = enrolment.open_until(db, now)
    result = []
    for row in organisations.all_of(db):
        last_purge = purges.get(row.id)
        result.append(
            OrganisationState(
                id=row.id,
                slug=row.slug,
                name=row.name,
                host=row.host,
                pooled=row.pooled,
                takes_reports=row.takes_reports,
                active_users=users.get(row.id, 0),
                link_expires=links.get(row.id),
                last_purge=last_purge,
                purge_late=row.takes_reports and retention.purge_is_late(last_purge, now),
            )
        )
    return result
