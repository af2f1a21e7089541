"""Oral reports, minutes and meetings over HTTP (issue 15, part 1; directive 2019/1937 art. 9(2),
18): the whole round trip from the moderator who records a report to the reporter who answers."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts import service as accounts
from portal.domain import Channel, today
from portal.models import CaseKey, Message, MessageKind, Report, Role
from tests.accounts import Account, AccountFactory, AuthActions, grant
from tests.csrf import csrf_from, get_csrf
from tests.moderation_helpers import act, case_html, events, report
from tests.oral_helpers import (
    CORRECTION_TEXT,
    MINUTES_TEXT,
    ORAL_TEXT,
    PLACE_TEXT,
    code_on,
    minutes_seq,
    offer_seq,
    record_oral,
    reporter_post,
)
from tests.reporting_helpers import case_page, keep_out, only_report_id, open_with_code


def _english(client: FlaskClient) -> FlaskClient:
    client.set_cookie("lang", "en")
    return client


@pytest.fixture
def signed_in(client: FlaskClient, admin: Account, auth: AuthActions) -> FlaskClient:
    """The test's ``client``: the admin, logged in, reading English."""
    _english(client)
    auth.login(admin)
    return client


@pytest.fixture
def recorded(app: Flask, signed_in: FlaskClient) -> tuple[str, int]:
    """An oral report the admin has just recorded: the code printed for the reporter, the case."""
    return _record(app, signed_in)


def _record(app: Flask, client: FlaskClient) -> tuple[str, int]:
    saved = record_oral(client)
    assert saved.status_code == 303 and saved.location == "/moderation/cases/oral/code"
    page = client.get("/moderation/cases/oral/code")
    assert page.status_code == 200
    return code_on(page.get_data(as_text=True)), only_report_id(app)


@pytest.mark.usefixtures("signed_in")
def test_an_oral_report_is_a_case_like_an_online_one_and_its_code_is_printed_once(
    app: Flask, client: FlaskClient
) -> None:
    assert record_oral(client).status_code == 303
    page = client.get("/moderation/cases/oral/code")
    html = page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    code = code_on(html)
    assert len(code) == 19 and code.count("-") == 3
    assert "The moderator who gave you this paper has seen this code." in html
    assert "The person you met or talked to knows who you are." in html
    assert "http://localhost/followup" in html
    assert 'class="moderation-nav"' not in html  # no menu on the paper
    # A reload shows it no more; the session no longer holds it.
    again = client.get("/moderation/cases/oral/code")
    assert again.status_code == 302 and code not in client.get(again.location).get_data(as_text=True)
    report_id = only_report_id(app)
    row = report(app, report_id)
    assert row.channel is Channel.ORAL and row.created_on == today()
    assert row.category is not None and row.category.value == "threats"
    assert row.due_on == today() + dt.timedelta(days=7)  # the acknowledgement clock runs
    assert ORAL_TEXT.encode() not in row.description
    assert events(app, f"case:{report_id}") == ["case:report:recorded"]
    moderator_page = case_html(client, report_id)
    assert ORAL_TEXT in moderator_page and "Orally (by phone or in a meeting)" in moderator_page
    # The reporter opens the case with the printed code, as after an online report.
    reporter = _english(app.test_client())
    assert open_with_code(reporter, code).status_code == 303
    assert ORAL_TEXT in case_page(reporter)


@pytest.mark.usefixtures("signed_in")
def test_a_refused_oral_report_keeps_the_text_and_stores_nothing(app: Flask, client: FlaskClient) -> None:
    refused = record_oral(client, description="Kort", category="no-such-category")
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "Kort" in html and "Write at least 10 characters." in html
    with Session(app.extensions["portal.engine"]) as db:
        assert db.scalars(select(Report.id)).all() == []
    assert client.get("/moderation/cases/oral/code").status_code == 302


def test_minutes_round_trip_correction_then_approval(
    app: Flask, client: FlaskClient, recorded: tuple[str, int]
) -> None:
    code, report_id = recorded
    assert act(client, report_id, "minutes", minutes=MINUTES_TEXT).status_code == 303
    assert "case:minutes:added" in events(app, f"case:{report_id}")
    assert report(app, report_id).acknowledged_on == today()
    assert "The reporter has not approved these minutes yet." in case_html(client, report_id)

    reporter = _english(app.test_client())
    open_with_code(reporter, code)
    page = case_page(reporter)
    assert MINUTES_TEXT in page and "Minutes of a meeting or call" in page
    seq = minutes_seq(page)
    # An empty correction: the same page, one sentence, nothing stored.
    empty = reporter_post(reporter, "/followup/minutes/correct", seq=seq, correction="   \r\n ")
    assert empty.status_code == 400
    assert "Write what should be changed in the minutes." in empty.get_data(as_text=True)
    kept = reporter_post(reporter, "/followup/minutes/correct", seq=seq, correction="Fyra\x01 samtal")
    kept_html = kept.get_data(as_text=True)
    assert kept.status_code == 400 and "The text contains invalid characters." in kept_html
    assert ">Fyra\x01 samtal</textarea>" in kept_html
    sent = reporter_post(reporter, "/followup/minutes/correct", seq=seq, correction=CORRECTION_TEXT)
    assert sent.status_code == 303
    moderator_page = case_html(client, report_id)
    assert f"Correction proposed by the reporter on {today().isoformat()}:" in moderator_page
    assert CORRECTION_TEXT in moderator_page
    assert report(app, report_id).awaiting_moderator is True

    assert reporter_post(reporter, "/followup/minutes/approve", seq=seq).status_code == 303
    assert f"You approved these minutes on {today().isoformat()}." in case_page(reporter)
    assert f"Approved by the reporter on {today().isoformat()}." in case_html(client, report_id)
    twice = reporter_post(reporter, "/followup/minutes/approve", seq=seq)
    assert twice.status_code == 400 and "You have answered this already." in twice.get_data(as_text=True)
    late = reporter_post(reporter, "/followup/minutes/correct", seq=seq, correction=CORRECTION_TEXT)
    assert late.status_code == 400
    with Session(app.extensions["portal.engine"]) as db:
        rows = db.scalars(select(Message).order_by(Message.seq)).all()
        assert [(m.kind, m.refers_to_seq) for m in rows] == [
            (MessageKind.MINUTES, None),
            (MessageKind.CORRECTION, int(seq)),
        ]
        assert rows[0].responded_on == today()  # a date, never a time


def test_an_answer_to_an_entry_that_is_not_minutes_is_refused(
    app: Flask, client: FlaskClient, recorded: tuple[str, int]
) -> None:
    code, report_id = recorded
    act(client, report_id, "message", message="Ett vanligt meddelande, inget protokoll.")
    reporter = _english(app.test_client())
    open_with_code(reporter, code)
    for seq in ("1", "99", "x", "²", "١", "99999999999999999999"):
        refused = reporter_post(reporter, "/followup/minutes/approve", seq=seq)
        assert refused.status_code == 400, seq
        assert "This entry could not be found." in refused.get_data(as_text=True)
    with Session(app.extensions["portal.engine"]) as db:
        assert db.scalars(select(Message.response)).all() == [None]


def test_meeting_offer_is_accepted_or_declined_with_the_warning_first(
    app: Flask, client: FlaskClient, recorded: tuple[str, int]
) -> None:
    code, report_id = recorded
    day = (today() + dt.timedelta(days=3)).isoformat()
    past = act(client, report_id, "offer", date=(today() - dt.timedelta(days=1)).isoformat(), time="10:00")
    assert past.status_code == 400 and "That day has passed." in past.get_data(as_text=True)
    bad = act(client, report_id, "offer", date="10 december", time="kvart över två", place=PLACE_TEXT)
    assert bad.status_code == 400
    bad_html = bad.get_data(as_text=True)
    assert "Write the date as year-month-day" in bad_html and PLACE_TEXT in bad_html
    assert act(client, report_id, "offer", date=day, time="14:30", place=PLACE_TEXT).status_code == 303
    assert report(app, report_id).meeting_offered_on == today()
    assert "case:meeting:offered" in events(app, f"case:{report_id}")

    reporter = _english(app.test_client())
    open_with_code(reporter, code)
    page = case_page(reporter)
    assert f"{day} 14:30" in page and PLACE_TEXT in page
    warning = page.index("the person you meet will see you and learn who you are")
    assert warning < page.index("Accept the meeting")
    seq = offer_seq(page)
    assert reporter_post(reporter, "/followup/meeting/answer", seq=seq, answer="maybe").status_code == 400
    assert reporter_post(reporter, "/followup/meeting/answer", seq=seq, answer="accept").status_code == 303
    assert f"Accepted by the reporter on {today().isoformat()}." in case_html(client, report_id)
    assert f"{day} 14:30" in case_html(client, report_id)

    act(client, report_id, "offer", date=day, time="09:15")
    second = offer_seq(case_page(reporter))
    assert second != seq
    assert (
        reporter_post(reporter, "/followup/meeting/answer", seq=second, answer="decline").status_code == 303
    )
    assert f"You declined this meeting on {today().isoformat()}." in case_page(reporter)
    assert f"Declined by the reporter on {today().isoformat()}." in case_html(client, report_id)


def test_an_oral_report_is_sealed_to_readers_and_an_excluded_one_adds_no_minutes(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions, moderator: AccountFactory
) -> None:
    """Recorded by an admin, the case is sealed to every granted moderator at once, like an online
    report; a moderator the admin then keeps out reads nothing of it and adds no minutes."""
    mona, kim = moderator("mona"), moderator("kim")
    for name in ("mona", "kim"):
        grant(app, name, by=admin)
    _english(client)
    auth.login(admin)
    _code, report_id = _record(app, client)
    with Session(app.extensions["portal.engine"]) as db:
        holders = db.scalars(select(CaseKey.user_id).where(CaseKey.report_id == report_id)).all()
        kim_id = accounts.find(db, "kim").id
        assert sorted(holders) == sorted([accounts.find(db, "mona").id, kim_id])
    keep_out(app, admin, report_id, kim_id)
    excluded = _english(app.test_client())
    AuthActions(excluded).login(kim)
    assert excluded.get(f"/moderation/cases/{report_id}").status_code == 404
    token = get_csrf(excluded, "/moderation/cases")
    refused = excluded.post(
        f"/moderation/cases/{report_id}/minutes", data={"csrf_token": token, "minutes": MINUTES_TEXT}
    )
    assert refused.status_code == 404 and ORAL_TEXT not in refused.get_data(as_text=True)
    with Session(app.extensions["portal.engine"]) as db:
        assert db.scalars(select(Message.id)).all() == []
    reader = _english(app.test_client())
    AuthActions(reader).login(mona)
    assert act(reader, report_id, "minutes", minutes=MINUTES_TEXT).status_code == 303


def test_the_printed_code_stays_with_the_moderator_it_was_shown_to(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions, moderator: AccountFactory
) -> None:
    other = _english(app.test_client())
    AuthActions(other).login(moderator("ada", Role.ADMIN))
    _english(client)
    auth.login(admin)
    assert record_oral(client).status_code == 303
    elsewhere = other.get("/moderation/cases/oral/code")
    assert elsewhere.status_code == 302 and "data-receipt-code" not in elsewhere.get_data(as_text=True)
    assert "data-receipt-code" in client.get("/moderation/cases/oral/code").get_data(as_text=True)


def test_an_answer_after_the_case_was_erased_ends_the_session(
    app: Flask, client: FlaskClient, recorded: tuple[str, int]
) -> None:
    code, report_id = recorded
    act(client, report_id, "minutes", minutes=MINUTES_TEXT)
    reporter = _english(app.test_client())
    open_with_code(reporter, code)
    token = csrf_from(case_page(reporter))
    with Session(app.extensions["portal.engine"]) as db:
        db.delete(db.get_one(Report, report_id))
        db.commit()
    gone = reporter.post("/followup/minutes/approve", data={"csrf_token": token, "seq": "1"})
    assert gone.status_code == 404
    assert reporter.get("/followup/case").status_code == 302
