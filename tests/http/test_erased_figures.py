"""Figures that outlive erasure (issue 15, part 4): an erased case leaves a statistical row, and the
statistics read both, so last year's figures do not shrink when retention erases its cases.

The page's exact tables and the CSV's perturbed ones must read the same before and after the
purge (the row keeps the case's record key); the rows stay in their organisation.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from portal.domain import Area, Category, Kind, Status, today
from portal.models import ErasedCase, Organisation, Report
from tests.accounts import Account, AuthActions, make_account
from tests.two_organisations import two_organisations

YEAR = today().year - 1
PAGE = f"/moderation/stats?period=quarter&date_from={YEAR}-01&date_to={YEAR}-12"
CSV = PAGE.replace("/stats?", "/stats.csv?")
# (month, kind, category, area, how many, closed: erased by the purge)
BATCHES = [
    (2, Kind.INFLUENCE, Category.THREATS, Area.HOUSING, 6, True),
    (3, Kind.INFLUENCE, Category.THREATS, Area.HOUSING, 5, False),
    (5, Kind.INFLUENCE, Category.BRIBERY, Area.SCHOOLS, 7, True),
    (5, Kind.INFLUENCE, Category.HARASSMENT, Area.HOUSING, 8, False),
    (4, Kind.WHISTLEBLOWING, Category.SOCIAL_MEDIA, Area.OTHER, 5, True),
]


def _add(app: Flask, organisation_id: int) -> None:
    """Last year's reports; the closed ones were closed a week after they came in."""
    rows = [
        {
            "organisation_id": organisation_id,
            "lookup": secrets.token_bytes(32),
            "kind": kind,
            "category": category,
            "area": area,
            "status": Status.CLOSED if closed else Status.NEW,
            "reporter_seen_status": Status.NEW,
            "created_on": dt.date(YEAR, month, 1 + n),
            "closed_on": dt.date(YEAR, month, 8 + n) if closed else None,
            "key_sealed": b"sealed",
            "key_wrapped": b"wrapped",
            "description": b"ciphertext",
        }
        for month, kind, category, area, number, closed in BATCHES
        for n in range(number)
    ]
    with Session(app.extensions["portal.engine"]) as db:
        db.execute(insert(Report), rows)
        db.get_one(Organisation, organisation_id).retention_days = 30  # last year's closed cases expire
        db.commit()


def _logged_in(app: Flask, account: Account) -> FlaskClient:
    client = app.test_client()
    client.set_cookie("lang", "en")
    assert AuthActions(client).login(account).status_code == 302
    return client


def _rows(html: str) -> dict[str, list[str]]:
    """Every row of the page's two tables (the first of a name twice: Other, Not given), by its name."""
    rows: dict[str, list[str]] = {}
    for name, cells in re.findall(r'<tr>\s*<th scope="row">([^<]*)</th>(.*?)</tr>', html, re.S):
        rows.setdefault(name.strip(), [c.strip() for c in re.findall(r"<td[^>]*>([^<]*)</td>", cells)])
    return rows


def _tables(html: str) -> list[str]:
    return re.findall(r"<table.*?</table>", html, re.S)


def _purge(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["purge-expired"])
    assert result.exit_code == 0 and "org1: 18 closed case(s) erased after 30 days" in result.output


def _counts(app: Flask) -> tuple[int, int]:
    with Session(app.extensions["portal.engine"]) as db:
        reports = db.scalar(select(func.count()).select_from(Report))
        erased = db.scalar(select(func.count()).select_from(ErasedCase))
        return int(reports or 0), int(erased or 0)


def test_last_years_statistics_and_csv_read_the_same_after_the_purge_erased_its_cases(
    app: Flask, admin: Account
) -> None:
    with Session(app.extensions["portal.engine"]) as db:
        organisation_id = db.scalars(select(Organisation.id)).one()
    _add(app, organisation_id)
    client = _logged_in(app, make_account(app, "moderator"))
    before = client.get(PAGE).get_data(as_text=True)
    before_csv = client.get(CSV).get_data(as_text=True)
    whistleblowing = client.get(PAGE + "&kind=whistleblowing").get_data(as_text=True)
    rows = _rows(before)
    # Q1: 6 erased and 5 live threats; Q2: 7 bribery (erased), 8 harassment, 5 social media (erased).
    assert rows["Threats"] == ["11", "0", "0", "0", "11"]
    assert rows["Improper offers or bribes"] == ["0", "7", "0", "0", "7"]
    assert rows["Housing"] == ["11", "8", "0", "0", "19"]
    assert rows["Total"] == ["11", "20", "0", "0", "31"]

    _purge(app)
    assert _counts(app) == (13, 18)
    after = client.get(PAGE).get_data(as_text=True)
    assert _rows(after) == rows and _tables(after) == _tables(before)
    assert client.get(CSV).get_data(as_text=True) == before_csv  # the perturbed figures too
    assert _tables(client.get(PAGE + "&kind=whistleblowing").get_data(as_text=True)) == _tables(
        whistleblowing
    )
    assert _rows(whistleblowing)["Exposure on social media"] == ["0", "5", "0", "0", "5"]


def test_an_organisations_erased_cases_count_in_its_own_statistics_only(app: Flask, admin: Account) -> None:
    two = two_organisations(app)
    _add(app, two.a)
    _purge(app)
    assert _counts(app) == (13, 18)
    own = _rows(_logged_in(app, admin).get(PAGE).get_data(as_text=True))
    assert own["Improper offers or bribes"] == ["0", "7", "0", "0", "7"] and own["Total"][-1] == "31"
    other = _logged_in(app, make_account(app, "moderator_b", organisation_id=two.b))
    assert _rows(other.get(PAGE).get_data(as_text=True))["Total"] == ["0", "0", "0", "0", "0"]
    csv_b = other.get(CSV).get_data(as_text=True)
    assert "Improper offers or bribes;0;0;0;0;0" in csv_b and "Total;0;0;0;0;0" in csv_b
