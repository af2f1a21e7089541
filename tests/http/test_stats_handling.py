"""How reports are handled (/moderation/stats/handling): a small known set of reports and erased
cases, with the figures it must give, small counts and a median of too few cases hidden, and the
perturbed CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import secrets
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from portal import organisations
from portal.cases import clocks
from portal.domain import Area, Category, ExertedBy, Kind, Outcome, Status, today
from portal.models import AuditEvent, ErasedCase, Report
from tests.accounts import Account, AccountFactory, AuthActions

URL = "/moderation/stats/handling?period=month&date_from=2024-01&date_to=2024-02"
JAN, FEB, MAR = dt.date(2024, 1, 1), dt.date(2024, 2, 1), dt.date(2024, 3, 1)


def _report(received: dt.date, **columns: Any) -> dict[str, Any]:
    """A report's row, with the durations ``clocks.record_handling`` stores from its dates."""
    row = {
        "lookup": secrets.token_bytes(32),
        "kind": Kind.INFLUENCE,
        "category": Category.HARASSMENT,
        "area": Area.SCHOOLS,
        "status": Status.CLOSED,
        "reporter_seen_status": Status.NEW,
        "created_on": received,
        "key_sealed": b"sealed",
        "key_wrapped": b"wrapped",
        "description": b"ciphertext",
        "record_key": 0,
    } | columns
    derived = Report(
        created_on=received, acknowledged_on=row.get("acknowledged_on"), feedback_on=row.get("feedback_on")
    )
    clocks.record_handling(derived)
    return row | {
        "days_to_acknowledgement": derived.days_to_acknowledgement,
        "days_to_feedback": derived.days_to_feedback,
        "feedback_in_time": derived.feedback_in_time,
    }


def _after(received: dt.date, days: int | None) -> dt.date | None:
    return None if days is None else received + dt.timedelta(days=days)


def _january() -> list[dict[str, Any]]:
    """Nine reports of January 2024: seven closed (six with measures taken, one referred), two
    still open; acknowledged after 1, 2, 3, 4, 5, 10 and 20 days, two never; feedback to three."""
    rows = []
    plan: list[tuple[int | None, int | None, Outcome | None, ExertedBy, bool]] = [
        # (days to acknowledgement, days from receipt to feedback, outcome (None: open), by, incident)
        (1, 40, Outcome.MEASURES_TAKEN, ExertedBy.CLIENT, True),
        (2, 50, Outcome.MEASURES_TAKEN, ExertedBy.CLIENT, True),
        (3, 120, Outcome.MEASURES_TAKEN, ExertedBy.CLIENT, True),
        (4, None, Outcome.MEASURES_TAKEN, ExertedBy.CLIENT, True),
        (5, None, Outcome.MEASURES_TAKEN, ExertedBy.CLIENT, True),
        (10, None, Outcome.MEASURES_TAKEN, ExertedBy.COLLEAGUE, False),
        (20, None, Outcome.REFERRED, ExertedBy.COLLEAGUE, False),
        (None, None, None, ExertedBy.COLLEAGUE, False),
        (None, None, None, ExertedBy.COLLEAGUE, False),
    ]
    for n, (ack, feedback, outcome, by, incident) in enumerate(plan):
        received = JAN + dt.timedelta(days=n)
        open_ = outcome is None
        rows.append(
            _report(
                received,
                status=Status.IN_PROGRESS if open_ else Status.CLOSED,
                outcome=outcome,
                acknowledged_on=_after(received, ack),
                feedback_on=_after(received, feedback),
                closed_on=None if open_ else received + dt.timedelta(days=150),
                exerted_by=by,
                reported_to_incident_system=incident,
                # One open case overdue, the other with no deadline (the reporter declined).
                due_on=today() - dt.timedelta(days=1) if n == 7 else None,
            )
        )
    return rows


def _february() -> list[dict[str, Any]]:
    """Six closed reports, acknowledged after 0, 1, 2, 3, 8 and 9 days, feedback after 30 days."""
    return [
        _report(
            FEB + dt.timedelta(days=n),
            outcome=Outcome.NO_ACTION,
            acknowledged_on=FEB + dt.timedelta(days=n + ack),
            feedback_on=FEB + dt.timedelta(days=n + 30),
            exerted_by=ExertedBy.RELATIVE,
        )
        for n, ack in enumerate([0, 1, 2, 3, 8, 9])
    ]


def _erased(**columns: Any) -> dict[str, Any]:
    return {
        "id": secrets.randbelow(2**31 - 1) + 1,
        "month": JAN,
        "kind": Kind.INFLUENCE,
        "category": Category.HARASSMENT,
        "area": Area.SCHOOLS,
        "exerted_by": ExertedBy.CLIENT,
        "outcome": Outcome.MEASURES_TAKEN,
        "weeks_to_feedback": None,
        "reported_to_police": False,
        "record_key": 0,
    } | columns


def _seed(app: Flask) -> None:
    # March: two reports, a total the statistics page hides, so the handling page shows nothing of it.
    reports = [*_january(), *_february(), _report(MAR), _report(MAR + dt.timedelta(days=3))]
    erased = [
        # Acknowledged in the first week (counts 3 days) and in the third (17 days).
        _erased(weeks_to_acknowledgement=0, reported_to_incident_system=True),
        # Left before the incident-system flag was kept.
        _erased(weeks_to_acknowledgement=2, reported_to_incident_system=None, reported_to_police=None),
    ]
    with Session(app.extensions["portal.engine"]) as db:
        organisation_id = organisations.only(db).id
        # One statement each: the rows set different columns.
        for model, rows in ((Report, reports), (ErasedCase, erased)):
            for row in rows:
                db.execute(insert(model).values(**row, organisation_id=organisation_id))
        db.commit()


def _moderator(client: FlaskClient, admin: Account) -> Account:
    assert AuthActions(client).login(admin).status_code == 302
    return admin


def test_a_plain_moderator_counts_every_case_like_an_admin(
    app: Flask, client: FlaskClient, admin: Account, moderator: AccountFactory
) -> None:
    """The figures are the organisation's, the same for every moderator: these crafted reports'
    keys open for nobody, and a moderator holding no key to them still counts them (an exclusion
    keeps a moderator from reading a case, not from counting it)."""
    _seed(app)
    mo = moderator("mo")
    client.set_cookie("lang", "en")
    assert AuthActions(client).login(mo).status_code == 302
    for url in (URL, URL.replace("/handling?", "/handling.csv?")):
        assert client.get(url).status_code == 200, url
    page = client.get(URL).get_data(as_text=True)
    assert _rows(page, "acknowledgement-counts")["Received in the period"] == ["11", "6"]


def _rows(html: str, table_id: str) -> dict[str, list[str]]:
    table = re.search(rf'<table class="stats" id="{table_id}">(.*?)</table>', html, re.S)
    assert table, table_id
    return {
        name.strip(): [cell.strip() for cell in re.findall(r"<td[^>]*>([^<]*)</td>", cells)]
        for name, cells in re.findall(r'<th scope="row">([^<]*)</th>(.*?)</tr>', table.group(1), re.S)
    }


def test_figures_of_a_known_set(app: Flask, client: FlaskClient, admin: Account) -> None:
    _seed(app)
    _moderator(client, admin)
    client.set_cookie("lang", "en")
    response = client.get(URL)
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:2000]
    hidden = "hidden"
    # January: 9 reports and 2 erased cases; February: 6.
    received = ["11", "6"]
    # Acknowledged: 1, 2, 3, 4, 5, 10, 20 days and the erased 3 (week 0) and 17 (week 2): 6 of 9 in time,
    # median 4. February: 0, 1, 2, 3, 8, 9: 4 of 6, median 2.5. Feedback: January's three (40, 50 and
    # 120 days) are too few for a median or a share; February's six all within 3 months, after 30 days.
    assert _rows(html, "acknowledgement-figures") == {
        "Share acknowledged within 7 days, of those acknowledged": ["67 %", "67 %"],
        "Median days to acknowledgement": ["4", "2.5"],
    }
    assert _rows(html, "feedback-figures") == {
        "Share with feedback within 3 months, of those with feedback": [hidden, "100 %"],
        "Median days to feedback": [hidden, "30"],
    }
    assert _rows(html, "acknowledgement-counts") == {
        "Acknowledged within 7 days": ["6", hidden],
        "Acknowledged later": [hidden, hidden],
        "Not acknowledged (yet, or the reporter declined)": [hidden, "0"],
        "Received in the period": received,
    }
    assert _rows(html, "feedback-counts") == {
        "Feedback within 3 months": [hidden, "6"],
        "Feedback later": [hidden, "0"],
        "No feedback yet": ["8", "0"],
        "Received in the period": received,
    }
    # Two open cases (over 3 months old): alone in their row, so the closed ones are hidden with them.
    assert _rows(html, "age-counts") == {
        "Open, under 7 days": ["0", "0"],
        "Open, 7–30 days": ["0", "0"],
        "Open, 1–3 months": ["0", "0"],
        "Open, over 3 months": [hidden, "0"],
        "Closed or erased": [hidden, "6"],
        "Received in the period": received,
    }
    assert _rows(html, "urgency-counts")["Overdue"] == [hidden, "0"]
    outcomes = _rows(html, "outcome-counts")
    assert outcomes["Measures were taken"] == ["8", "0"]  # 6 live, 2 erased
    assert outcomes["Referred on (e.g. police, HR, safety representative)"] == [hidden, "0"]
    assert outcomes["Still open"] == [hidden, "0"]
    assert outcomes["No action was needed"] == ["0", "6"]
    exerted = _rows(html, "exerted-by-counts")
    # January: 7 clients (2 erased) and 4 colleagues: the 4 is hidden, and the 7 with it.
    assert exerted["A client"] == [hidden, "0"]
    assert exerted["A colleague or manager"] == [hidden, "0"]
    assert exerted["A client&#39;s relative"] == ["0", "6"]
    # Incident system: 6 yes (one erased), 4 no, 1 not known (an erased row from before): share hidden.
    assert _rows(html, "incident-counts") == {
        "Also reported to the incident system": ["6", "0"],
        "Not reported to it": [hidden, "6"],
        "Not known (erased before this was kept)": [hidden, "0"],
        "Received in the period": received,
    }
    police = _rows(html, "police-counts")
    assert police["Also reported to the police"] == ["0", "0"]
    assert police["Not known (erased before this was kept)"] == [hidden, "0"]
    # Charts: one image per figure, named by title and description, no bar where a figure is hidden.
    charts = re.findall(
        r'<svg [^>]*role="img" aria-labelledby="(chart-[\w-]+)-title chart-[\w-]+-desc"', html
    )
    assert len(charts) == 8
    assert "<title>2024-02: 67 %</title>" in html and "<title>2024-01: hidden</title>" in html
    assert "<script" not in html


def test_swedish_page_and_link_from_the_statistics(app: Flask, client: FlaskClient, admin: Account) -> None:
    _seed(app)
    _moderator(client, admin)
    assert 'href="/moderation/stats/handling"' in client.get("/moderation/stats").get_data(as_text=True)
    html = client.get(URL).get_data(as_text=True)
    assert 'lang="sv"' in html
    for words in ["Så hanteras anmälningarna", "Mottagningsbekräftelse", "2,5", "67 %", "Utfall"]:
        assert words in html, words


def test_a_period_whose_total_is_hidden_shows_nothing(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    _seed(app)
    _moderator(client, admin)
    client.set_cookie("lang", "en")
    html = client.get(URL.replace("2024-01", "2024-03").replace("2024-02", "2024-03")).get_data(as_text=True)
    # March's two closed reports: the statistics page hides its total, so every figure here is hidden.
    assert _rows(html, "outcome-counts")["Closed without an outcome"] == ["hidden"]
    assert _rows(html, "age-counts")["Received in the period"] == ["hidden"]
    assert ">2<" not in html.split("<h1>", 1)[1]


def test_bad_range_is_refused_on_the_page(app: Flask, client: FlaskClient, admin: Account) -> None:
    _moderator(client, admin)
    client.set_cookie("lang", "en")
    response = client.get("/moderation/stats/handling?date_from=2024-05&date_to=2024-01")
    assert response.status_code == 400
    assert "The last month is before the first month." in response.get_data(as_text=True)


def test_csv_is_perturbed_and_audited(app: Flask, client: FlaskClient, admin: Account) -> None:
    _seed(app)
    _moderator(client, admin)
    client.set_cookie("lang", "en")
    response = client.get(URL.replace("handling?", "handling.csv?"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=handling_statistics_month_2024-01_2024-02_all.csv"
    )
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 with its BOM, for Excel
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0].startswith("Perturbed figures, safe to pass on")
    by_title = {row[0]: row for row in rows if row}
    # Every record key is 0 here, so every unit (month, kind, row) of 1 to 4 reports is published as
    # 5 and one of 5 or more as 2 fewer (cell_key's table at u = 0).
    # (So January's 6 acknowledged in time and February's 6 with no action need be published as 0.)
    assert by_title["Acknowledged within 7 days"][1:] == ["0", "5", "5"]
    assert by_title["Measures were taken"][1:] == ["6", "0", "6"]  # 6 live and 2 erased
    assert by_title["No action was needed"][1:] == ["0", "0", "0"]
    assert by_title["Closed or erased"][1:] == ["7", "0", "7"]
    # The police (the last share row): none of the 10 in January (published as 8); February's 6 are 0.
    assert by_title["Share also reported, where known"][1:3] == ["0%", ""]  # a number to Excel
    assert not any("edian" in cell for row in rows[1:-1] for cell in row)
    counts = [cell for row in rows[2:-1] for cell in row[1:] if cell.isdigit()]
    assert counts and not any(0 < int(cell) < 5 for cell in counts)
    assert "Medians are on the page only" in rows[-1][0]
    with Session(app.extensions["portal.engine"]) as db:
        subjects = db.scalars(select(AuditEvent.subject).where(AuditEvent.event == "stats:table:exported"))
        assert list(subjects) == ["handling_month_2024-01_2024-02_all"]
