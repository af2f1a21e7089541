"""Pooled statistics (issue 14 item 5): the region's figures over the organisations taking part.

Four organisations with reports in small cells; three take part. The pooled CSV must be, cell by
cell, the sum of the three participants' own CSVs (each organisation's units perturbed once, so
pooling is no second observation of anyone's reports), count nothing of the fourth, and never show
a figure from 1 to 4 on its own.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import secrets

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from portal import organisations
from portal.domain import Area, Category, Kind, Status
from portal.models import AuditEvent, ErasedCase, Organisation, Report, Role
from tests.accounts import Account, AuthActions, make_account
from tests.csrf import get_csrf

RANGE = "?period=month&date_from=2024-01&date_to=2024-03"
# (organisation slug, month, category, how many)
REPORTS = [
    ("org1", 1, Category.THREATS, 2),
    ("org1", 2, Category.THREATS, 7),
    ("kommun-b", 1, Category.THREATS, 3),
    ("kommun-b", 3, Category.BRIBERY, 1),
    ("kommun-c", 1, Category.THREATS, 4),
    ("kommun-c", 2, Category.HARASSMENT, 9),
    ("kommun-d", 1, Category.THREATS, 40),  # does not take part: none of these may count
]


def _setting_up(app: Flask, admin: Account) -> dict[str, Account]:
    admins = {"org1": admin}
    with Session(app.extensions["portal.engine"]) as db:
        ids = {
            slug: organisations.create(db, slug, f"Kommun {slug[-1].upper()}").id
            for slug in ("kommun-b", "kommun-c", "kommun-d")
        }
        db.commit()
    for slug, organisation_id in ids.items():
        admins[slug] = make_account(app, f"admin-{slug}", Role.ADMIN, organisation_id=organisation_id)
    with Session(app.extensions["portal.engine"]) as db:
        by_slug = {row.slug: row.id for row in db.scalars(select(Organisation))}
        rows = [
            {
                "organisation_id": by_slug[slug],
                "lookup": secrets.token_bytes(32),
                "kind": Kind.INFLUENCE,
                "category": category,
                "area": Area.HOUSING,
                "status": Status.NEW,
                "reporter_seen_status": Status.NEW,
                "created_on": dt.date(2024, month, 1 + n % 28),
                "key_sealed": b"sealed",
                "key_wrapped": b"wrapped",
                "description": b"ciphertext",
            }
            for slug, month, category, number in REPORTS
            for n in range(number)
        ]
        db.execute(insert(Report), rows)
        for slug in ("kommun-b", "kommun-c"):
            db.get_one(Organisation, by_slug[slug]).pooled = True
        db.commit()
    return admins


def _logged_in(app: Flask, account: Account) -> FlaskClient:
    client = app.test_client()
    client.set_cookie("lang", "en")
    assert AuthActions(client).login(account).status_code == 302
    return client


def _figures(body: str) -> dict[tuple[str, str, str], int]:
    """Every figure of both tables, by (table heading, row, column)."""
    figures: dict[tuple[str, str, str], int] = {}
    header: list[str] = []
    for row in csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"):
        if len(row) < 3:
            header = []
            continue
        if not header:
            header = row
            continue
        for column, value in zip(header[1:], row[1:], strict=True):
            figures[(header[0], row[0], column)] = int(value)
    return figures


def test_pooled_figures_are_the_sum_of_the_participants_own_and_nothing_of_the_others(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    admins = _setting_up(app, admin)
    first = _logged_in(app, admins["org1"])
    page = first.get("/moderation/stats/pooled" + RANGE).get_data(as_text=True)
    assert "does not take part" in page
    assert first.get("/moderation/stats/pooled.csv" + RANGE).status_code == 404

    token = get_csrf(first, "/moderation/stats/pooled")
    joined = first.post("/moderation/stats/pooling", data={"csrf_token": token, "taking_part": "yes"})
    assert joined.status_code == 303
    page = first.get("/moderation/stats/pooled" + RANGE).get_data(as_text=True)
    assert "Kommun B" in page and "Kommun C" in page and "Kommun D" not in page, page[page.find("<main") :][
        :3000
    ]

    pooled = _figures(first.get("/moderation/stats/pooled.csv" + RANGE).get_data(as_text=True))
    own = [
        _figures(_logged_in(app, admins[slug]).get("/moderation/stats.csv" + RANGE).get_data(as_text=True))
        for slug in ("org1", "kommun-b", "kommun-c")
    ]
    assert pooled and set(pooled) == set(own[0])
    assert pooled == {key: sum(figures[key] for figures in own) for key in pooled}
    assert not [value for value in pooled.values() if 0 < value < 5]
    # Kommun D's 40 threats in January would make the cell at least 40 by themselves.
    assert pooled[("Category", "Threats", "2024-01")] < 40
    with Session(app.extensions["portal.engine"]) as db:
        logged = db.scalars(select(AuditEvent.event).where(AuditEvent.organisation_id == 1)).all()
    assert "stats:pooling:changed" in logged and "stats:pooled:exported" in logged


def test_an_organisation_not_taking_part_sees_no_pooled_figures(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    admins = _setting_up(app, admin)
    outsider = _logged_in(app, admins["kommun-d"])
    page = outsider.get("/moderation/stats/pooled" + RANGE).get_data(as_text=True)
    assert "does not take part" in page and "Kommun B" not in page
    assert outsider.get("/moderation/stats/pooled.csv" + RANGE).status_code == 404


def test_two_organisations_are_too_few_to_pool(app: Flask, client: FlaskClient, admin: Account) -> None:
    admins = _setting_up(app, admin)  # b and c take part, org1 does not
    taking_part = _logged_in(app, admins["kommun-b"])
    page = taking_part.get("/moderation/stats/pooled" + RANGE).get_data(as_text=True)
    assert "Fewer than 3 organisations take part" in page
    assert taking_part.get("/moderation/stats/pooled.csv" + RANGE).status_code == 404


def test_only_an_admin_changes_taking_part(app: Flask, client: FlaskClient, admin: Account) -> None:
    _setting_up(app, admin)
    moderator = _logged_in(app, make_account(app, "mo", organisation_id=1))
    token = get_csrf(moderator, "/moderation/stats/pooled")
    refused = moderator.post("/moderation/stats/pooling", data={"csrf_token": token, "taking_part": "yes"})
    assert refused.status_code == 403
    with Session(app.extensions["portal.engine"]) as db:
        assert db.get_one(Organisation, 1).pooled is False


def test_pooled_figures_count_erased_cases_as_before_they_were_erased(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    admins = _setting_up(app, admin)
    with Session(app.extensions["portal.engine"]) as db:
        db.get_one(Organisation, 1).pooled = True
        db.commit()
    pooled = _logged_in(app, admins["kommun-c"])
    before = pooled.get("/moderation/stats/pooled.csv" + RANGE).get_data(as_text=True)
    assert _figures(before)[("Category", "Threats", "2024-02")] >= 5  # org1's 7, soon erased
    # Org1's and Kommun B's cases closed long ago: the purge erases all 13 of them.
    long_ago = dt.date.today() - dt.timedelta(days=800)
    with Session(app.extensions["portal.engine"]) as db:
        ids = select(Organisation.id).where(Organisation.slug.in_(["org1", "kommun-b"]))
        db.execute(
            update(Report)
            .where(Report.organisation_id.in_(ids))
            .values(status=Status.CLOSED, closed_on=long_ago)
        )
        db.commit()
    assert app.test_cli_runner().invoke(args=["purge-expired"]).exit_code == 0
    with Session(app.extensions["portal.engine"]) as db:
        assert db.scalar(select(func.count()).select_from(Report)) == 4 + 9 + 40
        assert db.scalar(select(func.count()).select_from(ErasedCase)) == 2 + 7 + 3 + 1
    assert pooled.get("/moderation/stats/pooled.csv" + RANGE).get_data(as_text=True) == before
