"""Two organisations on one installation, for the tests of what each one gets of its own
(notices, retention): A is the installation's first (``org1``, renamed "Kommun A", with the
``admin`` fixture's account), B is "Kommun B" at /o/kommun-b with an admin and a moderator."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import organisations
from portal.accounts import service as accounts
from portal.models import AuditEvent, Role
from tests.accounts import make_account

A_SLUG, B_SLUG = "org1", "kommun-b"
A_BASE, B_BASE = f"/o/{A_SLUG}", f"/o/{B_SLUG}"


@dataclass(frozen=True)
class Two:
    a: int  # organisation ids
    b: int


def two_organisations(app: Flask) -> Two:
    """B beside A; A's ``admin`` must exist. B's first account, admin_b, makes B's key pair."""
    with Session(app.extensions["portal.engine"]) as db:
        a = organisations.only(db)
        a.name = "Kommun A"
        b = organisations.create(db, B_SLUG, "Kommun B")
        db.commit()
        two = Two(a.id, b.id)
    make_account(app, "admin_b", Role.ADMIN, organisation_id=two.b)
    make_account(app, "mo_b", organisation_id=two.b)
    return two


def give_addresses(app: Flask, admin: str, *names: str) -> None:
    """``name@example.org`` as the notice address of each of ``names``, entered by ``admin``."""
    with app.app_context(), Session(app.extensions["portal.engine"]) as db:
        actor = accounts.find(db, admin)
        for name in names:
            accounts.set_notify_email(db, accounts.find(db, name), f"{name}@example.org", actor)
        db.commit()


def log_of(app: Flask, organisation_id: int, prefix: str) -> list[tuple[str, str | None]]:
    """(event, subject) of the organisation's own audit log whose event starts with ``prefix``."""
    with Session(app.extensions["portal.engine"]) as db:
        query = (
            select(AuditEvent.event, AuditEvent.subject)
            .where(AuditEvent.organisation_id == organisation_id, AuditEvent.event.startswith(prefix))
            .order_by(AuditEvent.id)
        )
        return [(event, subject) for event, subject in db.execute(query)]
