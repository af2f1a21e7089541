"""Tables. Free text of reports never appears here in plain text (DESIGN.md §3)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    Column,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import Base, UTCDateTime, string_enum, utcnow
from .domain import Area, Category, Channel, ExertedBy, Kind, Outcome, Status, Support, When
from .record_key import new_record_key


class Role(enum.StrEnum):
    MODERATOR = "moderator"
    ADMIN = "admin"
    # Runs the installation for its organisations (issue 14): belongs to none, holds no key.
    OPERATOR = "operator"


class Installation(Base):
    """One row: the salts of this installation, shared by all its organisations."""

    __tablename__ = "installation"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Salt of k = argon2id(code, code_salt) (DESIGN.md §3, one-time codes).
    code_salt: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Organisation(Base):
    """One organisation (a municipality) on the installation: its key, its address, its people.

    The key pair is made when the organisation's first admin enrols, in that admin's request:
    until then ``public_key`` is NULL and the organisation takes no reports.
    """

    __tablename__ = "organisations"
    # An erased organisation's id is never given to a new one (SQLite would reuse the highest).
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    # The reporter's address /o/<slug>/ (lower-case letters, digits and hyphens).
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # An optional host name of its own behind the same server (visselblasare.kommun.se).
    host: Mapped[str | None] = mapped_column(String(253), unique=True)
    public_key: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    # The organisation's private key under its offline recovery key (SecretBox).
    private_key_recovery: Mapped[bytes | None] = mapped_column(LargeBinary(128))
    # Takes part in the region's pooled statistics.
    pooled: Mapped[bool] = mapped_column(default=False)
    # Days after closing that a closed case is erased; None: the installation's
    # PORTAL_RETENTION_DAYS (portal/retention.py). Set by the organisation's admins.
    retention_days: Mapped[int | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def takes_reports(self) -> bool:
        return self.public_key is not None


class OrganisationText(Base):
    """An organisation's own words on the reporter's pages in one language (issue 14, item 3): a
    short introduction on the start page, and whom else to contact or how else to report, shown on
    the start page, the report form and the receipt. Plain text, rendered escaped; one row per
    (organisation, language) like ``forum_board_texts``, whose primary key is the only index."""

    __tablename__ = "organisation_texts"

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(String(16), primary_key=True)
    intro: Mapped[str] = mapped_column(String(600), default="")
    contacts: Mapped[str] = mapped_column(String(1000), default="")
    # On every page of a case's export (issue 15 part 3); empty: organisation_texts's default.
    secrecy_marking: Mapped[str] = mapped_column(String(300), default="")


def organisation_column(nullable: bool = False, index: bool = True) -> Mapped[int]:
    """The owning organisation: every query of a moderator's request is scoped on it
    (``portal.scoping``)."""
    return mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=index, nullable=nullable)


# SQLite would give an erased row's id, when it was the highest, to the next row: an audit event
# "case 12 erased" would then name a new case. AUTOINCREMENT never reuses one (migration 0018).
NO_ID_REUSE = {"sqlite_autoincrement": True}


class User(Base):
    __tablename__ = "users"
    __table_args__ = NO_ID_REUSE

    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL only for an installation operator. User names are unique in the installation, so that
    # the log-in form needs no organisation.
    organisation_id: Mapped[int | None] = organisation_column(nullable=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(string_enum(Role))
    password_hash: Mapped[str] = mapped_column(String(255))
    # TOTP secret, encrypted under a key derived from the app's secret key.
    totp_secret_encrypted: Mapped[bytes] = mapped_column(LargeBinary(128))
    # Highest TOTP time step used so far: a code is accepted once (replay refused).
    totp_last_step: Mapped[int] = mapped_column(default=0)
    # The user's X25519 key pair; the private key wrapped by argon2id(password, kdf_salt).
    # NULL once the user is disabled: nothing of theirs opens the organisation key any more.
    public_key: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    private_key_wrapped: Mapped[bytes | None] = mapped_column(LargeBinary(128))
    kdf_salt: Mapped[bytes | None] = mapped_column(LargeBinary(16))
    # The organisation's private key sealed to public_key: admins only (issue 15, part 2); NULL
    # until granted. A plain moderator holds one only until their access is converted to case keys.
    org_key_sealed: Mapped[bytes | None] = mapped_column(LargeBinary(128))
    # A plain moderator an admin has let read cases: every report key is sealed to them
    # (``case_keys``) unless a case excludes them. False for admins (they hold the org key).
    case_access: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    # Appointed by the organisation's admin to moderate the forum boards it shares with other
    # organisations (issue 14 item 4); every moderator moderates the organisation's own boards.
    moderates_shared_boards: Mapped[bool] = mapped_column(default=False)
    # Optional address for "there is something to look at" notices; moderators are not anonymous.
    notify_email: Mapped[str | None] = mapped_column(String(254))
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_operator(self) -> bool:
        return self.role is Role.OPERATOR

    @property
    def has_org_key(self) -> bool:
        return self.org_key_sealed is not None

    @property
    def may_read_cases(self) -> bool:
        """Granted: an admin through the organisation key, a moderator through case keys."""
        return self.has_org_key if self.is_admin else self.case_access


class ServerSession(Base):
    """Server side of a session: ciphertext only, the key lives in the visitor's cookie."""

    __tablename__ = "server_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    # The moderator logged in with this session (NULL for reporters and visitors): disabling a
    # user ends all their sessions at once (issue 13, item 5).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class AuditEvent(Base):
    """Who did what and when; never a reporter's content (DESIGN.md §3, Moderators)."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_event_at", "event", "at"),
        Index("ix_audit_events_org_at", "organisation_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Whose log it is in; NULL for the installation's own events (an operator logging in).
    organisation_id: Mapped[int | None] = organisation_column(nullable=True, index=False)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    event: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(64))


class Report(Base):
    """A report. Metadata for queue and statistics is plain; every free text is ciphertext.

    Reporter-originated dates are dates, never times (DESIGN.md §3, no precise time).
    """

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Leads every index below, which is its index.
    organisation_id: Mapped[int] = organisation_column(index=False)
    # HMAC(argon2id(code), "lookup"): the one indexed query a code log-in makes, unique in the
    # installation: a code opens its own case at any organisation's follow-up page.
    lookup: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    kind: Mapped[Kind] = mapped_column(string_enum(Kind))
    category: Mapped[Category | None] = mapped_column(string_enum(Category), index=True)
    area: Mapped[Area | None] = mapped_column(string_enum(Area), index=True)
    happened: Mapped[When | None] = mapped_column(string_enum(When))
    exerted_by: Mapped[ExertedBy | None] = mapped_column(string_enum(ExertedBy))
    reported_to_incident_system: Mapped[bool] = mapped_column(default=False)
    reported_to_police: Mapped[bool] = mapped_column(default=False)
    support: Mapped[Support | None] = mapped_column(string_enum(Support))
    wants_acknowledgement: Mapped[bool] = mapped_column(default=True)
    status: Mapped[Status] = mapped_column(string_enum(Status), default=Status.NEW, index=True)
    created_on: Mapped[dt.date] = mapped_column(Date, index=True)
    # Legal clocks (lag 2021:890): set by the acts themselves, never typed in.
    acknowledged_on: Mapped[dt.date | None] = mapped_column(Date)
    feedback_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    # From the dates above (``clocks.record_handling``), for the handling statistics and their index.
    days_to_acknowledgement: Mapped[int | None]
    days_to_feedback: Mapped[int | None]
    feedback_in_time: Mapped[bool | None]
    outcome: Mapped[Outcome | None] = mapped_column(string_enum(Outcome))
    # The next legal deadline (derived, stored so that the queue can sort and page on it).
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    meeting_offered_on: Mapped[dt.date | None] = mapped_column(Date)
    # How the report came in: online, or by phone or in a meeting, recorded by a moderator
    # (directive 2019/1937 art. 9(2)). Plain, like the other metadata of the queue.
    channel: Mapped[Channel] = mapped_column(string_enum(Channel), default=Channel.ONLINE)
    # The reporter wrote last and no moderator has answered yet.
    awaiting_moderator: Mapped[bool] = mapped_column(default=False, index=True)
    # Optimistic concurrency: two moderators cannot silently overwrite each other.
    version: Mapped[int] = mapped_column(default=1)
    # The report key: sealed to the organisation, and wrapped by the reporter's code.
    key_sealed: Mapped[bytes] = mapped_column(LargeBinary(128))
    key_wrapped: Mapped[bytes] = mapped_column(LargeBinary(128))
    description: Mapped[bytes] = mapped_column(LargeBinary)
    code_last_used_on: Mapped[dt.date | None] = mapped_column(Date)
    meeting_requested_on: Mapped[dt.date | None] = mapped_column(Date)
    # What the reporter had seen at their last visit, to tell them what is new.
    moderator_messages: Mapped[int] = mapped_column(default=0)
    reporter_seen_messages: Mapped[int] = mapped_column(default=0)
    reporter_seen_status: Mapped[Status] = mapped_column(string_enum(Status), default=Status.NEW)
    # Messages are ordered by this counter, never by time.
    last_seq: Mapped[int] = mapped_column(default=0)
    # Random, uniform in 0 .. N-1, never shown: picks the perturbation of exported figures (cell_key.py).
    record_key: Mapped[int] = mapped_column(default=new_record_key)
    # Restricted to its assignee (and the admins): no other moderator holds its key (issue 15).
    only_assigned: Mapped[bool] = mapped_column(default=False)
    # Days an admin added to the retention period of this closed case (at most twice, issue 15
    # part 4; each ``RetentionPostponement`` row says by how much and why).
    retention_extra_days: Mapped[int] = mapped_column(default=0)

    messages: Mapped[list[Message]] = relationship(
        back_populates="report", order_by="Message.seq", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="report", order_by="Attachment.id", cascade="all, delete-orphan"
    )
    notes: Mapped[list[Note]] = relationship(
        back_populates="report", order_by="Note.id", cascade="all, delete-orphan"
    )
    labels: Mapped[list[Label]] = relationship(secondary="report_labels", order_by="Label.name")
    # Written at submission; read one by one (``cases/access.py``), never loaded as a list.
    case_keys: Mapped[list[CaseKey]] = relationship(cascade="all, delete-orphan", passive_deletes=True)

    # Every index leads with the organisation: one organisation's queue, case counts and statistics
    # read its own part of each index, as fast with 300 organisations as with one (bench/orgs.py).
    __table_args__ = (
        Index("ix_reports_org_due_on_id", "organisation_id", "due_on", "id"),
        Index("ix_reports_org_created_on_id", "organisation_id", "created_on", "id"),
        # The queue filtered by category in date order, and one moderator's cases most urgent
        # first: read in page order from the index, never a sort of every match (bench/queue.py).
        Index("ix_reports_org_category_created_on_id", "organisation_id", "category", "created_on", "id"),
        Index("ix_reports_org_assignee_due_on_id", "organisation_id", "assignee_id", "due_on", "id"),
        Index("ix_reports_org_status", "organisation_id", "status"),
        # Statistics count (and sum record keys) by date, kind, category and area from the index
        # alone (bench/stats.py).
        Index(
            "ix_reports_org_created_on_stats",
            "organisation_id",
            "created_on",
            "kind",
            "category",
            "area",
            "record_key",
        ),
        Index(
            "ix_reports_org_created_on_handling",
            "organisation_id",
            "created_on",
            "kind",
            "status",
            "days_to_acknowledgement",
            "days_to_feedback",
            "feedback_in_time",
            "due_on",
            "outcome",
            "exerted_by",
            "reported_to_incident_system",
            "reported_to_police",
            "record_key",
        ),
        NO_ID_REUSE,
    )


class Author(enum.StrEnum):
    REPORTER = "reporter"
    MODERATOR = "moderator"


class Attachment(Base):
    """A file, encrypted with the report key: name, type and content alike.

    Files live in the database, so a submission with its files is one transaction and a
    backup of the database is a backup of everything.
    """

    __tablename__ = "attachments"
    __table_args__ = NO_ID_REUSE

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    message_seq: Mapped[int | None]
    meta: Mapped[bytes] = mapped_column(LargeBinary)  # encrypted JSON: name, media type, warning
    content: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int]
    created_on: Mapped[dt.date] = mapped_column(Date)

    report: Mapped[Report] = relationship(back_populates="attachments")


class Note(Base):
    """A moderator's internal note: never shown to the reporter, encrypted like messages."""

    __tablename__ = "notes"
    __table_args__ = NO_ID_REUSE

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    report: Mapped[Report] = relationship(back_populates="notes")


report_labels = Table(
    "report_labels",
    Base.metadata,
    Column("report_id", ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
    Column("label_id", ForeignKey("labels.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Label(Base):
    __tablename__ = "labels"
    __table_args__ = (UniqueConstraint("organisation_id", "name"), NO_ID_REUSE)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = organisation_column()
    name: Mapped[str] = mapped_column(String(40))


class ReplyTemplate(Base):
    """A quick reply for moderators, written by admins, in one language."""

    __tablename__ = "reply_templates"
    __table_args__ = NO_ID_REUSE

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = organisation_column()
    language: Mapped[str] = mapped_column(String(2))
    title: Mapped[str] = mapped_column(String(80))
    body: Mapped[str] = mapped_column(Text)


# The tables of access per case live with it (cases/models.py); imported here, last, because the
# relationship above names them and every caller finds a table in this module.
# The enrolment links (an organisation's first admin, admins' invitations): a module of their own.
from .cases.models import AccessJob as AccessJob  # noqa: E402
from .cases.models import CaseExclusion as CaseExclusion  # noqa: E402
from .cases.models import CaseKey as CaseKey  # noqa: E402
from .cases.models import ErasedCase as ErasedCase  # noqa: E402
from .cases.models import Message as Message  # noqa: E402
from .cases.models import MessageKind as MessageKind  # noqa: E402
from .cases.models import RetentionPostponement as RetentionPostponement  # noqa: E402
from .enrolment_model import EnrolmentLink as EnrolmentLink  # noqa: E402
