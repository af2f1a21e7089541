"""What a form from the public asks before it stores anything: was it received already, is the
hour's budget spent? Either way the form comes back with everything typed and one sentence
(issue 17, items 2 and 4): the report form, the forum's new thread and reply, the reporter's reply.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .security import once
from .security.form_limits import FormLimit, again_at

DUPLICATE_STATUS = 409
LIMITED_STATUS = 429

REPORT_RECEIVED = _l(
    "This report was already received. Your code was on the receipt page. If you did not write it "
    "down, send a new report and say so."
)
POST_RECEIVED = _l("This post was already received: you need not send it again.")
MESSAGE_RECEIVED = _l("This message was already received: it is in the conversation on your case page.")


class Refused(Exception):
    """Not stored: the sentence to show above the form, and the answer's status."""

    def __init__(self, sentence: str, status: int) -> None:
        super().__init__(sentence)
        self.sentence = sentence
        self.status = status


def admit(limit: FormLimit, received: LazyString) -> None:
    """Let a valid submission through, claimed as received (``once.claim``), or raise
    :class:`Refused`. The claim is given back by itself if the submission is refused later; the
    view calls ``limit.count()`` once it was stored."""
    try:
        once.claim()
    except once.AlreadyReceived:
        raise Refused(str(received), DUPLICATE_STATUS) from None
    reached = limit.reached()
    if reached is not None:
        once.give_back()
        raise Refused(limited(reached), LIMITED_STATUS)


def limited(reached: dt.datetime) -> str:
    """The sentence of a spent budget, whole again at ``reached``."""
    return str(
        _(
            "This form has been sent as often as the portal takes from your network in an hour. "
            "Nothing was sent and your text is kept below: send it again %(when)s.",
            when=again_at(reached),
        )
    )
