"""The tables of access per case (issue 15, part 2): case keys, exclusions, access jobs; of
retention (part 4): postponements of an erasure, and the figures an erased case leaves behind; of
exports (part 3): the masks; and the dialogue's messages, with the minutes and meeting offers of
oral reporting (part 1)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, Index, LargeBinary, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, string_enum, utcnow
from ..domain import Area, Category, ExertedBy, Kind, Outcome
from ..models import NO_ID_REUSE, Author, organisation_column

if TYPE_CHECKING:
    from ..models import Report


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


class CaseMask(Base):
    """What a moderator masked in the case's exports (issue 15, part 3): passages of the report or
    of one message, as character ranges, or one whole file. The mask itself is encrypted with the
    report key (JSON, ``cases/export/masks.py``): a masked passage says as much as the text it
    hides. The text it masks is never changed."""

    __tablename__ = "case_masks"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_on: Mapped[dt.date] = mapped_column(Date)


class MessageKind(enum.StrEnum):
    """What a message of the dialogue is (issue 15, part 1)."""

    MESSAGE = "message"
    # A moderator's minutes of a meeting or call: the reporter approves them or proposes a correction.
    MINUTES = "minutes"
    # The reporter's proposed correction of the minutes ``refers_to_seq`` names.
    CORRECTION = "correction"
    # A moderator offers a meeting at a date and time (``meeting_at``, encrypted).
    MEETING_OFFER = "meeting_offer"


class Response(enum.StrEnum):
    """The reporter's answer to minutes or to a meeting offer."""

    APPROVED = "approved"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("report_id", "seq"), NO_ID_REUSE)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int]
    author: Mapped[Author] = mapped_column(string_enum(Author))
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_on: Mapped[dt.date] = mapped_column(Date)
    # A moderator's message that gives the feedback the whistleblowing act requires.
    is_feedback: Mapped[bool] = mapped_column(default=False)
    kind: Mapped[MessageKind] = mapped_column(string_enum(MessageKind), default=MessageKind.MESSAGE)
    # A correction names the minutes it corrects (their ``seq``).
    refers_to_seq: Mapped[int | None]
    # An offered meeting's date and time, encrypted with the report key like the text: a time the
    # reporter is to be somewhere is never plain (DESIGN.md §3).
    meeting_at: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The reporter's answer (minutes approved, a meeting accepted or declined), with its date only.
    response: Mapped[Response | None] = mapped_column(string_enum(Response))
    responded_on: Mapped[dt.date | None] = mapped_column(Date)

    report: Mapped[Report] = relationship(back_populates="messages")
