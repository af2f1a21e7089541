"""What a reporter is told when a file is refused: the words are shared with moderators who record
an oral report, so they live in ``portal/upload_messages.py``."""

from __future__ import annotations

from ..upload_messages import upload_error as upload_error
