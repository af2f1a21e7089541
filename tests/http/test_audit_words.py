"""The audit log in words, Swedish and English: each event kind with the detail that matters
(which case, which status, which moderator), never what the log must not hold."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.accounts import Account, AccountFactory, AuthActions
from tests.moderation_helpers import act, case_html
from tests.reporting_helpers import only_report_id, report_and_get_code

SECRET_TEXT = "Rektorn sa att jag borde tänka på min fasta tjänst."
CELLS_RE = re.compile(
    r'<td[^>]*class="audit-event">([^<]*)</td>\s*<td[^>]*class="audit-about">(.*?)</td>', re.S
)
TAG_RE = re.compile(r"<[^>]+>")


def _rows(client: FlaskClient, query: str = "") -> list[tuple[str, str]]:
    """(event in words, what it is about as read on the page, its stored subject included)."""
    response = client.get("/moderation/audit" + query)
    assert response.status_code == 200
    return [
        (words, " ".join(TAG_RE.sub(" ", about).split()))
        for words, about in CELLS_RE.findall(response.get_data(as_text=True))
    ]


def _worked_case(app: Flask, client: FlaskClient, admin: Account, moderator: AccountFactory) -> int:
    """A report read, assigned, closed, its statistics exported, and a colleague's account made."""
    report_and_get_code(app.test_client(), description=SECRET_TEXT)
    report_id = only_report_id(app)
    assert AuthActions(client).login(admin).status_code == 302
    moderator("mona")
    case_html(client, report_id)
    assert act(client, report_id, "status", status="in_progress").status_code == 303
    assert act(client, report_id, "status", status="closed", outcome="support_given").status_code == 303
    assert (
        client.get("/moderation/stats.csv?period=month&date_from=2026-01&date_to=2026-03").status_code == 200
    )
    return report_id


def test_the_audit_log_speaks_swedish(
    app: Flask, client: FlaskClient, admin: Account, moderator: AccountFactory
) -> None:
    report_id = _worked_case(app, client, admin, moderator)
    rows = _rows(client)
    assert ("Status ändrad till Avslutad", f"Ärende {report_id} case:{report_id}:status:closed") in rows
    assert ("Status ändrad till Pågår", f"Ärende {report_id} case:{report_id}:status:in_progress") in rows
    assert ("Ärende läst", f"Ärende {report_id} case:{report_id}") in rows
    assert ("Inloggad", "moderator admin user:1") in rows
    assert (
        "Statistik exporterad",
        "Anmälningar efter kategori och verksamhetsområde, per månad, 2026-01 till 2026-03, alla typer "
        "month_2026-01_2026-03_all",
    ) in rows
    page = client.get("/moderation/audit").get_data(as_text=True)
    assert f'<a href="/moderation/cases/{report_id}">Ärende {report_id}</a>' in page
    assert SECRET_TEXT not in page and "case:status:changed" not in page.split("<table")[1]


def test_the_audit_log_speaks_english(
    app: Flask, client: FlaskClient, admin: Account, moderator: AccountFactory
) -> None:
    report_id = _worked_case(app, client, admin, moderator)
    client.set_cookie("lang", "en")
    rows = _rows(client)
    assert ("Status changed to Closed", f"Case {report_id} case:{report_id}:status:closed") in rows
    assert ("Case read", f"Case {report_id} case:{report_id}") in rows
    assert ("Logged in", "moderator admin user:1") in rows
    assert any(
        words == "Account created" and about.startswith("moderator mona user:") for words, about in rows
    )
    # Older rows, and kinds the log keeps without a status, still read as words.
    read = _rows(client, f"?subject=case:{report_id}&event=case:report:viewed")
    assert read and set(read) == {("Case read", f"Case {report_id} case:{report_id}")}


def test_the_event_filter_offers_words_grouped_by_area(client: FlaskClient, admin: Account) -> None:
    assert AuthActions(client).login(admin).status_code == 302
    page = client.get("/moderation/audit").get_data(as_text=True)
    event_select = page.split('<select id="event"')[1].split("</select>")[0]
    assert '<optgroup label="Ärenden">' in event_select
    assert '<option value="case:status:changed">Status ändrad</option>' in event_select
    assert '<option value="case:file:downloaded">Fil hämtad</option>' in event_select
    assert "(case:" not in event_select  # words, not stored names
    area_select = page.split('<select id="area"')[1].split("</select>")[0]
    assert '<option value="auth">Inloggningar</option>' in area_select
