"""Synthetic reports for benchmarks and demos (``flask --app wsgi dev seed``). Never in production.

Rows are realistic in shape (categories, areas, statuses, dates over three years) but share one
report key and one ciphertext, so 100 000 reports seed in seconds. Their codes are random and
unknown: nobody can open them as a reporter.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from . import organisations
from .cases import access, clocks, vault
from .domain import Area, Category, ExertedBy, Kind, Outcome, Status, today
from .models import CaseKey, Report
from .security import crypto

BATCH = 5_000
SEED_TEXT = "Syntetisk anmälan för prestandamätning."


class SeedingRefused(Exception):
    pass


def seed_reports(
    db: Session,
    count: int,
    production: bool,
    rng: random.Random | None = None,
    assignees: Sequence[int] = (),
    fixed: Mapping[str, Any] | None = None,
    organisation_id: int | None = None,
) -> int:
    """Open reports get a due date from 30 days ago to 90 days ahead (one in ten none), and one of
    ``assignees`` or nobody; closed reports have neither, as in the portal. ``fixed`` gives every
    report the same values for some columns (a benchmark's reports that match a filter). The
    reports go to ``organisation_id``, by default the installation's only organisation."""
    if production:
        raise SeedingRefused("refusing to seed synthetic reports in production")
    organisation = organisations.get(db, organisation_id) if organisation_id else organisations.only(db)
    org_public = organisation.public_key
    if org_public is None:
        raise SeedingRefused("create the first admin first (the organisation key is missing)")
    rng = rng or random.Random(2021_890)
    key = crypto.new_key()
    sealed, wrapped = crypto.seal(org_public, key), crypto.wrap(crypto.new_key(), key)
    # Every granted moderator gets the case key, as at submission (one seal each: the key is shared).
    case_keys = {
        user.id: vault.case_key(key, user.public_key or b"") for user in access.readers(db, organisation.id)
    }
    description = crypto.wrap(key, SEED_TEXT.encode())
    day = today()
    start = day - dt.timedelta(days=3 * 365)
    categories, areas, statuses = list(Category), list(Area), list(Status)
    written = 0
    while written < count:
        rows = []
        for _ in range(min(BATCH, count - written)):
            status = rng.choice(statuses)
            open_ = status is not Status.CLOSED
            due = day + dt.timedelta(days=rng.randrange(-30, 90)) if open_ and rng.random() > 0.1 else None
            received = start + dt.timedelta(days=rng.randrange(3 * 365))
            rows.append(
                {
                    "organisation_id": organisation.id,
                    "lookup": secrets.token_bytes(32),
                    "kind": rng.choice([Kind.INFLUENCE, Kind.INFLUENCE, Kind.WHISTLEBLOWING]),
                    "category": rng.choice(categories),
                    "area": rng.choice(areas),
                    "status": status,
                    "due_on": due,
                    "assignee_id": rng.choice([*assignees, None]) if open_ and assignees else None,
                    "reporter_seen_status": Status.NEW,
                    "created_on": received,
                    **_handling(rng, status, received),
                    "key_sealed": sealed,
                    "key_wrapped": wrapped,
                    "description": description,
                    "wants_acknowledgement": rng.random() > 0.1,
                }
                | dict(fixed or {})
            )
        ids = db.scalars(insert(Report).returning(Report.id), rows).all()
        if case_keys:
            db.execute(
                insert(CaseKey),
                [
                    {"report_id": i, "user_id": u, "sealed": sealed_to}
                    for i in ids
                    for u, sealed_to in case_keys.items()
                ],
            )
        written += len(rows)
    return written


def _handling(rng: random.Random, status: Status, received: dt.date) -> dict[str, Any]:
    """Dates and flags of how a case was handled, as the statistics of handling read them: most
    acknowledged within a week, feedback after one to four months, a fifth also in the incident
    system and one in twenty reported to the police (the source texts' gap)."""
    handled = status is not Status.NEW
    acknowledged = received + dt.timedelta(days=rng.choice([0, 1, 2, 3, 5, 7, 9, 14])) if handled else None
    answered = status in (Status.IN_PROGRESS, Status.CLOSED) and rng.random() > 0.3
    closed = status is Status.CLOSED
    feedback = received + dt.timedelta(days=rng.randrange(20, 130)) if answered else None
    durations = Report(created_on=received, acknowledged_on=acknowledged, feedback_on=feedback)
    clocks.record_handling(durations)
    return {
        "acknowledged_on": acknowledged,
        "feedback_on": feedback,
        "days_to_acknowledgement": durations.days_to_acknowledgement,
        "days_to_feedback": durations.days_to_feedback,
        "feedback_in_time": durations.feedback_in_time,
        "closed_on": received + dt.timedelta(days=rng.randrange(30, 200)) if closed else None,
        "outcome": rng.choice(list(Outcome)) if closed else None,
        "exerted_by": rng.choice([*ExertedBy, None]),
        "reported_to_incident_system": rng.random() < 0.2,
        "reported_to_police": rng.random() < 0.05,
    }
