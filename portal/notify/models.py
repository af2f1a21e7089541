"""The one row that remembers what the last notices announced."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base

STATE_ID = 1


class NotifyState(Base):
    """High-water marks of reporter activity at the last notice, and the day of the last reminder.

    Only numbers the reports' own tables hold already (highest row ids, a count) and a date: no
    case, no content, no time of day (DESIGN.md §3, no precise time of a reporter).
    """

    __tablename__ = "notify_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Highest Report.id, reporter Message.id and Attachment.id (only reporters add files) announced.
    reports: Mapped[int] = mapped_column(default=0)
    reporter_messages: Mapped[int] = mapped_column(default=0)
    reporter_files: Mapped[int] = mapped_column(default=0)
    # Meeting requests without an offer since, at the last notice (falls when moderators answer).
    meeting_requests: Mapped[int] = mapped_column(default=0)
    # The deadline reminder goes out once a day at most, however often its timer fires.
    deadlines_sent_on: Mapped[dt.date | None] = mapped_column(Date)
