"""The organisations of the installation: their rows and their key pairs (DESIGN.md §3, issue 14).

An organisation's key pair is made when its first admin enrols, inside that admin's request
(:func:`create_key`), and its private half leaves that request only sealed to the admin's own
public key and wrapped under a recovery key shown once to that admin. The installation operator
creates the row and the enrolment link, never the key.

An installation that has never been given a second organisation behaves as before: its one
organisation (:func:`only`) is made on first use, and every old URL reaches it.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass

from sqlalchemy import Engine, func, insert, literal, select, update
from sqlalchemy.orm import Session

from . import installation
from .forum.models import Board, BoardOrganisation
from .models import Organisation
from .security import crypto

# The first organisation of an installation, when the set-up wizard or an upgrade makes it.
FIRST_SLUG = "org1"
FIRST_NAME = "Organisation 1"
SLUG_PATTERN = r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?"
NAME_MAX = 120


class OrganisationError(Exception):
    """Base of the named failures below."""


class InvalidSlug(OrganisationError):
    pass


class InvalidName(OrganisationError):
    pass


class SlugTaken(OrganisationError):
    pass


class InvalidHost(OrganisationError):
    pass


class HostTaken(OrganisationError):
    pass


class UnknownOrganisation(OrganisationError):
    pass


class SeveralOrganisations(OrganisationError):
    """A question only a single-organisation installation can answer without being told which."""


def check_slug(slug: str) -> str:
    if not re.fullmatch(SLUG_PATTERN, slug):
        raise InvalidSlug(slug)
    return slug


def check_name(name: str) -> str:
    name = " ".join(name.split())
    if not name or len(name) > NAME_MAX:
        raise InvalidName(name)
    return name


# A DNS name of letters, digits and hyphens, in at least two labels, without a port.
HOST_PATTERN = r"(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]"


def check_host(host: str) -> str:
    host = host.strip().lower().rstrip(".")
    if not re.fullmatch(HOST_PATTERN, host):
        raise InvalidHost(host)
    return host


def rename(row: Organisation, name: str) -> None:
    row.name = check_name(name)


def set_host(db: Session, row: Organisation, host: str | None) -> None:
    """Give ``row`` a host name of its own behind the same server, or take it away (None)."""
    if host is not None:
        host = check_host(host)
        other = by_host(db, host)
        if other is not None and other.id != row.id:
            raise HostTaken(host)
    row.host = host


def create(db: Session, slug: str, name: str) -> Organisation:
    """A new organisation without a key: it takes reports once its first admin has enrolled."""
    slug = check_slug(slug)
    # The installation's row (its salts) is made with its first organisation, not later at a
    # reporter's first visit, where its time of creation would date that visit.
    installation.get(db)
    if db.scalar(select(Organisation.id).where(Organisation.slug == slug)) is not None:
        raise SlugTaken(slug)
    first = count(db) == 0
    row = Organisation(slug=slug, name=check_name(name))
    db.add(row)
    db.flush()
    if first:
        _adopt_ownerless_boards(db, row.id)
    return row


def _adopt_ownerless_boards(db: Session, organisation_id: int) -> None:
    """The first organisation takes the boards a fresh installation's migrations made (0004's
    default boards), which have no owner until there is an organisation to own them."""
    owned = select(BoardOrganisation.board_id)
    ownerless = select(Board.id, literal(organisation_id)).where(Board.id.not_in(owned))
    db.execute(
        insert(BoardOrganisation).from_select(
            [BoardOrganisation.board_id, BoardOrganisation.organisation_id], ownerless
        )
    )


def get(db: Session, organisation_id: int) -> Organisation:
    row = db.get(Organisation, organisation_id)
    if row is None:
        raise UnknownOrganisation(str(organisation_id))
    return row


def by_slug(db: Session, slug: str) -> Organisation | None:
    return db.scalar(select(Organisation).where(Organisation.slug == slug))


def by_host(db: Session, host: str) -> Organisation | None:
    return db.scalar(select(Organisation).where(Organisation.host == host.lower()))


def all_of(db: Session) -> list[Organisation]:
    """Every organisation, by name: the order of the reporter's chooser (it says nothing else)."""
    return list(db.scalars(select(Organisation).order_by(Organisation.name, Organisation.id)))


def count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Organisation)) or 0


def only(db: Session) -> Organisation:
    """The organisation of a single-organisation installation, made on first use (the set-up
    wizard's, or the one an upgraded installation became). Raises :class:`SeveralOrganisations`
    when there are more: the caller must then be told which."""
    rows = list(db.scalars(select(Organisation).order_by(Organisation.id).limit(2)))
    if len(rows) > 1:
        raise SeveralOrganisations
    if rows:
        return rows[0]
    return create(db, FIRST_SLUG, FIRST_NAME)


def single(db: Session) -> Organisation | None:
    """The one organisation when there is exactly one (none is made here), else None."""
    rows = list(db.scalars(select(Organisation).order_by(Organisation.id).limit(2)))
    return rows[0] if len(rows) == 1 else None


# Once an organisation's key exists it is only ever replaced (``keys rotate``) or erased with the
# organisation, whose id is never reused: remember per engine which organisations have one, so
# that a submission reads the row once, locked (``lock_for_sealing``, which still decides).
_CAN_SEAL: weakref.WeakKeyDictionary[Engine, set[int]] = weakref.WeakKeyDictionary()


def _engine(db: Session) -> Engine:
    bind = db.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def can_seal(db: Session, organisation_id: int) -> bool:
    """Is there a key to seal this organisation's reports to? Asked before the costly part of a
    submission; ``lock_for_sealing`` reads the key again, under its lock, and is the one answer."""
    known = _CAN_SEAL.setdefault(_engine(db), set())
    if organisation_id not in known:
        row = db.get(Organisation, organisation_id)
        if row is None or row.public_key is None:
            return False
        known.add(organisation_id)
    return True


def lock_for_sealing(db: Session, organisation_id: int, share: bool) -> Organisation:
    """The organisation's row, read afresh and locked until the caller's transaction ends.

    ``share=True`` for whoever seals to the organisation's public key, ``share=False`` for
    ``keys rotate``, which replaces it: a report sent while the key rotates waits for the new
    public key, instead of being sealed to the old one after the re-seal has passed it (it would
    then open for nobody but the holder of the old key). PostgreSQL locks the row (``FOR SHARE``
    / ``FOR UPDATE``); SQLite has no row locks, so the caller takes the database's one write lock
    with a write that changes nothing, and reads the key inside it.
    """
    if db.get_bind().dialect.name == "sqlite":
        db.execute(update(Organisation).where(Organisation.id == organisation_id).values(id=Organisation.id))
    row = db.get(Organisation, organisation_id, with_for_update={"read": share}, populate_existing=True)
    if row is None:
        raise UnknownOrganisation(str(organisation_id))
    return row


@dataclass(frozen=True)
class OrganisationKey:
    public: bytes
    private: bytes
    recovery_key: str  # formatted for display, shown once


def create_key(row: Organisation) -> OrganisationKey:
    """The organisation's first key pair, its private half wrapped under a new recovery key."""
    if row.public_key is not None:
        raise RuntimeError("the organisation key exists already")
    return _new_key(row)


def replace_key(row: Organisation) -> OrganisationKey:
    """A new key pair and a new recovery key in place of the old ones (``keys rotate``)."""
    return _new_key(row)


def new_recovery_key(row: Organisation, org_private_key: bytes) -> str:
    """A new recovery key for the same organisation key (an admin who holds it lost the paper, or
    never stored it): the old one no longer opens the database from now on. Formatted, shown once."""
    if row.public_key is None or crypto.KeyPair.public_of(org_private_key) != row.public_key:
        raise ValueError("not this organisation's private key")
    recovery = crypto.new_key()
    row.private_key_recovery = crypto.wrap(recovery, org_private_key)
    return crypto.format_recovery_key(recovery)


def _new_key(row: Organisation) -> OrganisationKey:
    pair = crypto.KeyPair.generate()
    recovery = crypto.new_key()
    row.public_key = pair.public
    row.private_key_recovery = crypto.wrap(recovery, pair.private)
    return OrganisationKey(
        public=pair.public, private=pair.private, recovery_key=crypto.format_recovery_key(recovery)
    )
