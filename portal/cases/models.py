"""The tables of access per case (issue 15, part 2): case keys, exclusions, access jobs; and of
retention (part 4): postponements of an erasure, and the figures an erased case leaves behind."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, string_enum, utcnow
from ..domain import Area, Category, ExertedBy, Kind, Outcome
from ..models import organisation_column


class CaseKey(Base):
    """A report key sealed to one moderator's public key: what lets a plain moderator read the case
    (issue 15, part 2). None for an excluded moderator, nor for the cases of an "only assigned"
    restriction but the assignee's; admins read through the organisation key instead."""

    __tablename__ = "case_keys"
    __table_args__ = (Index("ix_case_keys_user_report", "user_id", "report_id"),)

    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary(128))


class CaseExclusion(Base):
    """A moderator an admin has kept out of one case (a conflict of interest): they get no case key
    for it, now or after a new grant."""

    __tablename__ = "case_exclusions"

    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class AccessJob(Base):
    """Sealing every case key a moderator may hold, batch by batch, away from any request: a logged-in
    admin starts it (a grant, or converting a moderator who held the organisation key), and its
    progress is shown until it is done. ``last_report_id`` makes it resumable."""

    __tablename__ = "access_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = organisation_column()
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    last_report_id: Mapped[int] = mapped_column(default=0)
    # Written after every batch: a job whose heartbeat stopped (its process ended) is resumed.
    heartbeat_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class RetentionPostponement(Base):
    """An admin put off the erasure of a closed case (at most twice, each by up to the
    organisation's retention period): by how many days, and why (encrypted with the report key,
    like every free text of a case)."""

    __tablename__ = "retention_postponements"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    days: Mapped[int]
    reason: Mapped[bytes] = mapped_column(LargeBinary)
    created_on: Mapped[dt.date] = mapped_column(Date)


class ErasedCase(Base):
    """What an erased case leaves for the statistics: nothing that can point back to it (no
    number, no date finer than the month, durations in whole weeks), so that last year's figures
    do not shrink when its cases are erased. ``record_key`` is the case's own, kept so that the
    published (perturbed) figures of its month stay what they were."""

    __tablename__ = "erased_cases"
    __table_args__ = (
        Index(
            "ix_erased_cases_org_month_stats",
            "organisation_id",
            "month",
            "kind",
            "category",
            "area",
            "record_key",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = organisation_column(index=False)
    month: Mapped[dt.date] = mapped_column(Date)  # the first day of the month it was received
    kind: Mapped[Kind] = mapped_column(string_enum(Kind))
    category: Mapped[Category | None] = mapped_column(string_enum(Category))
    area: Mapped[Area | None] = mapped_column(string_enum(Area))
    exerted_by: Mapped[ExertedBy | None] = mapped_column(string_enum(ExertedBy))
    outcome: Mapped[Outcome | None] = mapped_column(string_enum(Outcome))
    weeks_to_acknowledgement: Mapped[int | None]
    weeks_to_feedback: Mapped[int | None]
    # Also reported to the employer's incident system, to the police (issue 15 part 5); None in
    # the rows left before these were kept.
    reported_to_incident_system: Mapped[bool | None]
    reported_to_police: Mapped[bool | None]
    record_key: Mapped[int]
