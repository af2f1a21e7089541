"""The tables of access per case (issue 15, part 2): case keys, exclusions, access jobs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow
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
