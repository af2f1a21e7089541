"""An organisation's own words on the reporter's pages, per language (issue 14, item 3).

Plain text, escaped where it is shown: an admin's text is never markup on a reporter's page.
Like every service, these write into the caller's transaction and never commit (portal/db.py).
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit
from .audit import Event
from .i18n import LANGUAGES
from .models import OrganisationText, User

INTRO_MAX = 600  # characters: a short introduction, not a page
CONTACTS_MAX = 1000  # characters: a few names, numbers and other ways to report
SECRECY_MAX = 300  # characters: the marking on every page of a case's export (issue 15 part 3)


def default_secrecy_marking() -> str:
    """The marking an export carries where the organisation wrote none: the two provisions of the
    Public Access to Information and Secrecy Act (OSL) that protect a whistleblowing case."""
    return str(
        _(
            "Confidential under chapter 17 section 3 b and chapter 32 section 3 b of the Public Access "
            "to Information and Secrecy Act (2009:400)"
        )
    )


def secrecy_marking(db: Session, organisation_id: int, language: str) -> str:
    """The organisation's marking in ``language`` (else its Swedish one), else the default."""
    row = of(db, organisation_id, language)
    own_words = row.secrecy_marking.strip() if row is not None and row.secrecy_marking else ""
    return own_words or default_secrecy_marking()


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
    return row or OrganisationText(
        organisation_id=organisation_id, language=language, intro="", contacts="", secrecy_marking=""
    )


def save(
    db: Session, row: OrganisationText, intro: str, contacts: str, actor: User, secrecy: str | None = None
) -> None:
    row.intro, row.contacts = intro.strip(), contacts.strip()
    if secrecy is not None:
        row.secrecy_marking = " ".join(secrecy.split())
    db.add(row)
    audit.record(db, Event.TEXTS_CHANGED, actor, f"texts:{row.language}")
