"""An organisation's own words on the reporter's pages, per language (issue 14, item 3).

Plain text, escaped where it is shown: an admin's text is never markup on a reporter's page.
Like every service, these write into the caller's transaction and never commit (portal/db.py).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit
from .audit import Event
from .i18n import LANGUAGES
from .models import OrganisationText, User

INTRO_MAX = 600  # characters: a short introduction, not a page
CONTACTS_MAX = 1000  # characters: a few names, numbers and other ways to report


def of(db: Session, organisation_id: int, language: str) -> OrganisationText | None:
    """The texts in ``language``, else the Swedish ones (the portal's first language), else none."""
    rows = {
        row.language: row
        for row in db.scalars(
            select(OrganisationText).where(OrganisationText.organisation_id == organisation_id)
        )
    }
    return rows.get(language) or rows.get(LANGUAGES[0])


def own(db: Session, organisation_id: int, language: str) -> OrganisationText:
    """The row of exactly this language, new (empty) if the organisation has none yet."""
    row = db.get(OrganisationText, (organisation_id, language))
    return row or OrganisationText(organisation_id=organisation_id, language=language, intro="", contacts="")


def save(db: Session, row: OrganisationText, intro: str, contacts: str, actor: User) -> None:
    row.intro, row.contacts = intro.strip(), contacts.strip()
    db.add(row)
    audit.record(db, Event.TEXTS_CHANGED, actor, f"texts:{row.language}")
