"""Fixtures of the service tests: an admin's user row and organisation key, and stored reports.

Everything goes through the one ``db`` session of the test, flushed and never committed here, so
the tests hold whether a service commits or only flushes.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from portal import organisations
from portal.accounts import service as accounts
from portal.cases import vault
from portal.cases.access import Keyring
from portal.cases.clocks import refresh_due
from portal.config import Config
from portal.domain import Area, Category, Kind, Status
from portal.models import Report, User
from portal.security import crypto
from tests.accounts import Account

RECEIVED = dt.date(2026, 3, 2)  # a Monday; tests that need a date of their own say so
DESCRIPTION = "Nämndens ordförande ringde mig hemma om bygglovet."


class ReportFactory:
    """Stores a report as the reporting service does (sealed to the organisation, wrapped for a code),
    flushed into the test's session. Its code key is thrown away: these tests read as moderators."""

    def __init__(self, db: Session) -> None:
        self._db = db

    def __call__(
        self,
        description: str = DESCRIPTION,
        *,
        created_on: dt.date = RECEIVED,
        wants_acknowledgement: bool = True,
        kind: Kind = Kind.INFLUENCE,
        category: Category | None = Category.THREATS,
        area: Area | None = Area.HOUSING,
    ) -> Report:
        organisation = organisations.only(self._db)
        org_public = organisation.public_key
        assert org_public is not None, "the admin fixture creates the organisation key"
        key, sealed, wrapped = vault.new_report_key(org_public, crypto.new_key())
        report = Report(
            organisation_id=organisation.id,
            lookup=crypto.new_key(),
            kind=kind,
            category=category,
            area=area,
            wants_acknowledgement=wants_acknowledgement,
            status=Status.NEW,
            reporter_seen_status=Status.NEW,
            created_on=created_on,
            key_sealed=sealed,
            key_wrapped=wrapped,
            description=vault.encrypt(key, description),
        )
        refresh_due(report)
        self._db.add(report)
        self._db.flush()
        return report


@pytest.fixture
def admin_user(db: Session, admin: Account) -> User:
    return accounts.find(db, admin.username)


@pytest.fixture
def org_key(admin_user: User, admin: Account, config: Config) -> bytes:
    """The organisation's private key, as the admin's log-in opens it."""
    return accounts.open_org_key(admin_user, admin.password, config)


@pytest.fixture
def keys(admin_user: User, org_key: bytes) -> Keyring:
    """What the admin's session holds to open cases."""
    return Keyring(admin_user.id, org_private_key=org_key)


@pytest.fixture
def new_report(db: Session, admin: Account) -> ReportFactory:
    """``new_report()``, ``new_report("text", created_on=..., category=None)``: see ReportFactory."""
    return ReportFactory(db)
