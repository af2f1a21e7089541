"""The table of enrolment links: a first admin's, and admins' invitations (issue 14 item 2, issue 17
item 14). Its rules are in ``portal.enrolment``."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .db import Base, UTCDateTime, string_enum
from .models import Role


class EnrolmentLink(Base):
    """A one-time link by which someone makes their own account (issue 14 item 2, issue 17 item 14).

    Two kinds, one table: the installation operator's link for an organisation's first admin
    (``username`` NULL; it works only while the organisation has no user, and the admin who follows
    it makes the organisation's key pair in their own request), and an admin's invitation of a new
    moderator or admin under a user name the admin chose, or of a colleague whose account the admin
    reset (``user_id``). Either way the person who follows it
    chooses their own passphrase: nobody else ever knows it. Only the SHA-256 of its token is kept,
    so the database cannot be used to enrol. It works once, for 72 hours.
    """

    __tablename__ = "enrolment_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # Set when the admin has enrolled (or when a newer link replaced this one).
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # An invitation: the account it makes (moderators are not anonymous; the address is optional).
    username: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[Role | None] = mapped_column(string_enum(Role))
    notify_email: Mapped[str | None] = mapped_column(String(254))
    # A reset: the existing account whose new passphrase and app the link sets.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))

    @property
    def is_invitation(self) -> bool:
        return self.username is not None
