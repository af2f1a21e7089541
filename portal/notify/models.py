"""What the last notices of each organisation announced: one row per organisation."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class NotifyState(Base):
    """High-water marks of one organisation's reporter activity at its last notice, and the day
    of its last reminder (issue 14: each organisation's moderators hear of their own cases only).

    Only numbers the reports' own tables hold already (highest row ids, a count) and a date: no
    case, no content, no time of day (DESIGN.md §3, no precise time of a reporter). The row goes
    with its organisation (``ON DELETE CASCADE``), so it is in that organisation's backup too.
    """

    __tablename__ = "notify_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), unique=True
    )
    # Highest Report.id, reporter Message.id and Attachment.id (only reporters add files) announced.
    reports: Mapped[int] = mapped_column(default=0)
    reporter_messages: Mapped[int] = mapped_column(default=0)
    reporter_files: Mapped[int] = mapped_column(default=0)
    # Meeting requests without an offer since, at the last notice (falls when moderators answer).
    meeting_requests: Mapped[int] = mapped_column(default=0)
    # The deadline reminder goes out once a day at most, however often its timer fires.
    deadlines_sent_on: Mapped[dt.date | None] = mapped_column(Date)
