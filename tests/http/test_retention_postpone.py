"""Postponing a closed case's erasure (issue 15 part 4): admins only, at most twice, each time by
1 day to the organisation's retention period, with a reason that is encrypted, audited and shown
on the case; the purge waits for it. Dates are literal: "today" is fixed."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from portal.accounts import service as accounts
from portal.cases.access import Keyring
from portal.models import AuditEvent, Report, RetentionPostponement
from portal.moderation.cases import postponing
from tests.accounts import Account, AccountFactory, grant
from tests.csrf import csrf_from
from tests.moderation_helpers import case_html
from tests.retention_helpers import close_on, fix_today, logged_in, new_cases, set_period

D = dt.date
CLOSED = D(2027, 1, 1)  # with a period of 30 days: erased on 2027-02-01
POSTPONED = "case:retention:postponed"
REASON = "Revisionen granskar ärendet till och med mars."
THIRD_REFUSED = {
    "en": "A case&#39;s erasure can be postponed twice at most, and this case&#39;s has been postponed "
    "twice already.",
    "sv": "Raderingen av ett ärende kan skjutas upp högst två gånger, och det här ärendets radering har "
    "redan skjutits upp två gånger.",
}
OUT_OF_RANGE = {
    "en": "Postpone by 1 to 30 days: at most the retention period.",
    "sv": "Skjut upp med 1 till 30 dagar: högst lagringstiden.",
}


def _postpone(client: FlaskClient, report_id: int, days: str, reason: str = REASON) -> TestResponse:
    token = csrf_from(case_html(client, report_id))
    return client.post(
        f"/moderation/cases/{report_id}/postpone", data={"csrf_token": token, "days": days, "reason": reason}
    )


def _stored(app: Flask, report_id: int) -> tuple[list[tuple[int, dt.date]], int]:
    """The case's postponements (days, date) and its retention_extra_days."""
    with Session(app.extensions["portal.engine"]) as db:
        rows = db.execute(
            select(RetentionPostponement.days, RetentionPostponement.created_on)
            .where(RetentionPostponement.report_id == report_id)
            .order_by(RetentionPostponement.id)
        ).all()
        extra = db.scalar(select(Report.retention_extra_days).where(Report.id == report_id))
    return [(days, on) for days, on in rows], int(extra or 0)


def _audit(app: Flask) -> list[tuple[str | None, int | None]]:
    with Session(app.extensions["portal.engine"]) as db:
        query = select(AuditEvent.subject, AuditEvent.actor_id).where(AuditEvent.event == POSTPONED)
        return [(subject, actor) for subject, actor in db.execute(query.order_by(AuditEvent.id))]


def _typed(html: str) -> str:
    """The text in the reason's field of a page shown again."""
    match = re.search(r'<textarea[^>]* id="reason"[^>]*>\s*([^<]*)</textarea>', html)
    assert match, "no reason field"
    return match.group(1)


def _postponements_table(html: str) -> list[tuple[str, ...]]:
    return re.findall(
        r"<tr><td[^>]*>([\d-]+)</td><td[^>]*>(\d+)</td><td[^>]*>([^<]*)</td><td[^>]*>([^<]*)</td></tr>", html
    )


@pytest.fixture
def closed_case(app: Flask, admin: Account, monkeypatch: pytest.MonkeyPatch) -> int:
    """One closed case (2027-01-01) of an organisation that keeps cases 30 days; today 2027-01-10."""
    set_period(app, 30)
    (report_id,) = new_cases(app, 1)
    close_on(app, report_id, CLOSED)
    fix_today(monkeypatch, D(2027, 1, 10))
    return report_id


def test_an_admin_postpones_twice_and_a_third_time_is_refused(
    app: Flask, admin: Account, closed_case: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = logged_in(app, admin)
    page = case_html(client, closed_case)
    assert "Erased on 2027-02-01." in page and _postponements_table(page) == []

    first = _postpone(client, closed_case, "10")
    assert first.status_code == 303
    page = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "The erasure has been postponed." in page
    assert "Erased on 2027-02-11." in page
    assert _postponements_table(page) == [("2027-01-10", "10", "admin", REASON)]

    fix_today(monkeypatch, D(2027, 2, 5))
    assert _postpone(client, closed_case, "30", "Begärd av kommunarkivet.").status_code == 303
    page = case_html(client, closed_case)
    assert "Erased on 2027-03-13." in page
    assert _postponements_table(page) == [
        ("2027-01-10", "10", "admin", REASON),
        ("2027-02-05", "30", "admin", "Begärd av kommunarkivet."),
    ]
    assert "The erasure has been postponed twice, the most allowed." in page
    assert 'id="reason"' not in page  # no form for a third

    for language in ("en", "sv"):
        client.set_cookie("lang", language)
        third = _postpone(client, closed_case, "5", "Ett tredje skäl som ska stå kvar.")
        assert third.status_code == 400
        html = third.get_data(as_text=True)
        assert THIRD_REFUSED[language] in html
        assert re.search(r'<p class="error" id="days-error">[^<]*' + re.escape(THIRD_REFUSED[language]), html)
        assert _typed(html) == "Ett tredje skäl som ska stå kvar."
    assert _stored(app, closed_case) == ([(10, D(2027, 1, 10)), (30, D(2027, 2, 5))], 40)
    with Session(app.extensions["portal.engine"]) as db:
        admin_id = accounts.find(db, "admin").id
    assert _audit(app) == [(f"case:{closed_case}", admin_id), (f"case:{closed_case}", admin_id)]


@pytest.mark.parametrize(
    ("days", "language", "message"),
    [
        ("0", "en", OUT_OF_RANGE["en"]),
        ("31", "en", OUT_OF_RANGE["en"]),
        ("31", "sv", OUT_OF_RANGE["sv"]),
        ("-3", "sv", OUT_OF_RANGE["sv"]),
        ("", "en", "Type a number of days."),
        ("2147483648", "en", "The number is too large."),
    ],
)
def test_days_out_of_range_are_refused_beside_the_field(
    app: Flask, admin: Account, closed_case: int, days: str, language: str, message: str
) -> None:
    client = logged_in(app, admin, language)
    refused = _postpone(client, closed_case, days)
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert re.search(r'<p class="error" id="days-error">[^<]*' + re.escape(message), html), html
    assert _typed(html) == REASON  # what was typed is kept
    assert _stored(app, closed_case) == ([], 0) and _audit(app) == []


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("   ", "Write why the case is kept longer."),
        ("x" * 1001, "The reason is 1001 characters long; at most 1000 fit. Shorten it."),
    ],
)
def test_a_reason_is_required_and_short(
    app: Flask, admin: Account, closed_case: int, reason: str, message: str
) -> None:
    refused = _postpone(logged_in(app, admin), closed_case, "10", reason)
    assert refused.status_code == 400
    assert re.search(
        r'<p class="error" id="reason-error">' + re.escape(message), refused.get_data(as_text=True)
    )
    assert _stored(app, closed_case) == ([], 0)
    assert _postpone(logged_in(app, admin), closed_case, "10", "x" * 1000).status_code == 303


def test_a_plain_moderator_sees_the_date_but_may_not_postpone(
    app: Flask, admin: Account, moderator: AccountFactory, closed_case: int
) -> None:
    mona = moderator("mona")
    grant(app, "mona", by=admin)
    client = logged_in(app, mona)
    page = case_html(client, closed_case)
    assert "Erased on 2027-02-01." in page and 'id="reason"' not in page
    assert _postpone(client, closed_case, "10").status_code == 403
    assert _stored(app, closed_case) == ([], 0) and _audit(app) == []


def test_an_open_case_shows_nothing_of_erasure_and_cannot_be_postponed(
    app: Flask, admin: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    (report_id,) = new_cases(app, 1)
    fix_today(monkeypatch, D(2027, 1, 10))
    client = logged_in(app, admin)
    page = case_html(client, report_id)
    assert "Erased on" not in page and "erasure-heading" not in page and 'id="reason"' not in page
    # As if someone reopened the case while the admin looked at it.
    refused = _postpone(client, report_id, "10")
    assert refused.status_code == 409
    assert "Someone else changed this case" in refused.get_data(as_text=True)
    assert _stored(app, report_id) == ([], 0) and _audit(app) == []


def test_the_reason_is_stored_encrypted(app: Flask, admin: Account, closed_case: int) -> None:
    canary = "KANARIE-SKÄL-9c4e: revisorn vill se ärendet"
    assert _postpone(logged_in(app, admin), closed_case, "10", canary).status_code == 303
    with Session(app.extensions["portal.engine"]) as db:
        stored = db.scalars(select(RetentionPostponement.reason)).one()
    assert canary.encode() not in stored and b"KANARIE" not in stored
    assert len(stored) > len(canary.encode())  # ciphertext with its nonce and tag, not an empty value
    assert canary in case_html(logged_in(app, admin), closed_case)


def _purge(app: Flask, monkeypatch: pytest.MonkeyPatch, day: dt.date) -> str:
    fix_today(monkeypatch, day)
    result = app.test_cli_runner().invoke(args=["purge-expired"])
    assert result.exit_code == 0, result.output
    return result.output


def _remaining(app: Flask) -> list[int]:
    with Session(app.extensions["portal.engine"]) as db:
        return list(db.scalars(select(Report.id).order_by(Report.id)))


def test_the_purge_waits_for_a_postponement(
    app: Flask, admin: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Period 30: closed 2027-01-01, a case is erased on 2027-02-01, the 31st day; postponed by 10
    days, on 2027-02-11."""
    set_period(app, 30)
    postponed, control = new_cases(app, 2)
    for report_id in (postponed, control):
        close_on(app, report_id, CLOSED)
    fix_today(monkeypatch, D(2027, 1, 10))
    assert _postpone(logged_in(app, admin), postponed, "10").status_code == 303

    assert _purge(app, monkeypatch, D(2027, 1, 31)) == "org1: 0 closed case(s) erased after 30 days\n"
    assert _purge(app, monkeypatch, D(2027, 2, 1)) == "org1: 1 closed case(s) erased after 30 days\n"
    assert _remaining(app) == [postponed]  # the control went on the day after period + 0
    assert _purge(app, monkeypatch, D(2027, 2, 10)) == "org1: 0 closed case(s) erased after 30 days\n"
    assert _remaining(app) == [postponed]
    assert _purge(app, monkeypatch, D(2027, 2, 11)) == "org1: 1 closed case(s) erased after 30 days\n"
    assert _remaining(app) == []
    with Session(app.extensions["portal.engine"]) as db:
        assert db.scalar(select(func.count()).select_from(RetentionPostponement)) == 0


def test_the_service_refuses_days_the_form_would_have_refused(
    app: Flask, admin: Account, closed_case: int
) -> None:
    """The form checks the days first; the service, which any later caller may use, again."""
    with app.test_request_context(), Session(app.extensions["portal.engine"]) as db:
        user = accounts.find(db, "admin")
        for days in (0, 31):
            with pytest.raises(postponing.DaysOutOfRange):
                postponing.postpone(db, closed_case, Keyring(user.id), user, days, REASON, 730)
    assert _stored(app, closed_case) == ([], 0)
