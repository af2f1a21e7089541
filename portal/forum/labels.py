"""The forum's vocabularies in words: added to the portal's labels by ``create_app``, never at import."""

from __future__ import annotations

import enum
from collections.abc import Mapping

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from . import pii
from .models import FlagReason, Moderation, WordAction

LABELS: Mapping[enum.StrEnum, LazyString] = {
    FlagReason.IDENTIFYING: _l("It could identify someone"),
    FlagReason.OFFENSIVE: _l("It is offensive or hateful"),
    FlagReason.SPAM: _l("It is spam or off topic"),
    FlagReason.OTHER: _l("Something else"),
    WordAction.BLOCK: _l("Block the post"),
    WordAction.REVIEW: _l("Send the post to review"),
    Moderation.PRE: _l("Before publishing (pre-moderation)"),
    Moderation.POST: _l("After publishing (post-moderation)"),
    # What the identification warning names (pii.Kind), in the writer's language.
    pii.Kind.PERSONNUMMER: _l("personal identity number"),
    pii.Kind.SAMORDNINGSNUMMER: _l("co-ordination number"),
    pii.Kind.PHONE: _l("phone number"),
    pii.Kind.EMAIL: _l("e-mail address"),
    pii.Kind.ADDRESS: _l("address"),
    pii.Kind.PLATE: _l("registration plate"),
    pii.Kind.NAME: _l("name"),
}
