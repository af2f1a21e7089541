"""The warning before closed cases are erased (issue 15 part 4): "To be erased soon" on the
moderators' overview, and one line with a count in the notice e-mails. Dates are literal: today is
2027-03-01 and the period is the installation's 730 days, so a case closed on 2025-03-04 is erased
on 2027-03-05 (closed + 730 days + 1)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from sqlalchemy import update
from sqlalchemy.orm import Session

from portal import retention
from portal.accounts import service as accounts
from portal.models import Report
from tests.accounts import Account, AccountFactory, grant
from tests.csrf import csrf_from
from tests.http.test_notifications import with_addresses
from tests.mailbox import Mailbox, notify, recipients, smtp_on
from tests.moderation_helpers import case_html
from tests.reporting_helpers import keep_out, report_and_get_code
from tests.retention_helpers import close_on, fix_today, logged_in, new_cases

D = dt.date
TODAY = D(2027, 3, 1)
LINE = {
    "sv": "Avslutade ärenden som raderas inom 30 dagar: {n}.",
    "en": "Closed cases to be erased within 30 days: {n}.",
}


def _section(html: str) -> str:
    match = re.search(r'<section aria-labelledby="erasing-heading">(.*?)</section>', html, re.S)
    return match.group(1) if match else ""


def _listed(html: str) -> list[tuple[int, str]]:
    rows = re.findall(
        r'<tr><td><a href="/moderation/cases/(\d+)">\1</a></td><td class="date">([\d-]+)</td></tr>',
        _section(html),
    )
    return [(int(number), day) for number, day in rows]


@pytest.fixture
def four_cases(app: Flask, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Erased 2027-02-27 (passed, the purge has not run yet), 2027-03-05, 2027-03-31 (today + 30),
    2027-04-01 (today + 31); and one open case."""
    late, soon, last, outside, still_open = new_cases(app, 5)
    for report_id, closed in (
        (late, D(2025, 2, 26)),
        (soon, D(2025, 3, 4)),
        (last, D(2025, 3, 30)),
        (outside, D(2025, 3, 31)),
    ):
        close_on(app, report_id, closed)
    fix_today(monkeypatch, TODAY)
    return [late, soon, last, outside, still_open]


def test_the_overview_lists_the_cases_erased_within_30_days_soonest_first(
    app: Flask, admin: Account, four_cases: list[int]
) -> None:
    late, soon, last, _outside, _open = four_cases
    client = logged_in(app, admin)
    html = client.get("/moderation/").get_data(as_text=True)
    assert '<h2 id="erasing-heading">To be erased soon</h2>' in html
    assert "3 closed cases are erased within 30 days." in _section(html)
    assert _listed(html) == [(late, "2027-02-27"), (soon, "2027-03-05"), (last, "2027-03-31")]

    client.set_cookie("lang", "sv")
    html = client.get("/moderation/").get_data(as_text=True)
    assert "Raderas snart" in html and "3 avslutade ärenden raderas inom 30 dagar." in _section(html)

    # Postponed by 30 days, the soonest is erased on 2027-04-04: out of the warning.
    token = csrf_from(case_html(client, soon))
    postponed = client.post(
        f"/moderation/cases/{soon}/postpone", data={"csrf_token": token, "days": "30", "reason": "Granskas."}
    )
    assert postponed.status_code == 303
    client.set_cookie("lang", "en")
    html = client.get("/moderation/").get_data(as_text=True)
    assert "2 closed cases are erased within 30 days." in _section(html)
    assert _listed(html) == [(late, "2027-02-27"), (last, "2027-03-31")]


def test_the_list_is_bounded_and_the_count_is_not(
    app: Flask, admin: Account, four_cases: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    late, soon, *_rest = four_cases
    monkeypatch.setattr(retention, "WARNING_LIST", 2)
    html = logged_in(app, admin).get("/moderation/").get_data(as_text=True)
    assert "3 closed cases are erased within 30 days. The 2 soonest are listed." in " ".join(
        _section(html).split()
    )
    assert _listed(html) == [(late, "2027-02-27"), (soon, "2027-03-05")]


def test_the_warning_follows_its_setting(app: Flask, admin: Account, four_cases: list[int]) -> None:
    late, soon, last, outside, _open = four_cases
    client = logged_in(app, admin)
    app.config["PORTAL"] = app.config["PORTAL"].replace(retention_warning_days=31)
    assert [n for n, _day in _listed(client.get("/moderation/").get_data(as_text=True))] == [
        late,
        soon,
        last,
        outside,
    ]
    app.config["PORTAL"] = app.config["PORTAL"].replace(retention_warning_days=0)
    assert "erasing-heading" not in client.get("/moderation/").get_data(as_text=True)


def test_nothing_soon_says_so(app: Flask, admin: Account, monkeypatch: pytest.MonkeyPatch) -> None:
    (report_id,) = new_cases(app, 1)
    close_on(app, report_id, D(2025, 4, 1))  # erased on 2027-04-02
    fix_today(monkeypatch, TODAY)
    html = logged_in(app, admin).get("/moderation/").get_data(as_text=True)
    assert "No closed case is erased within 30 days." in _section(html) and _listed(html) == []


def test_a_moderator_kept_out_of_a_case_is_not_warned_of_it(
    app: Flask, admin: Account, moderator: AccountFactory, four_cases: list[int]
) -> None:
    late, soon, last, _outside, _open = four_cases
    mona = moderator("mona")
    grant(app, "mona", by=admin)
    with Session(app.extensions["portal.engine"]) as db:
        mona_id = accounts.find(db, "mona").id
    keep_out(app, admin, late, mona_id)
    html = logged_in(app, mona).get("/moderation/").get_data(as_text=True)
    assert "2 closed cases are erased within 30 days." in _section(html)
    assert _listed(html) == [(soon, "2027-03-05"), (last, "2027-03-31")]
    # Not granted yet: reads no case, so is warned of none.
    html = logged_in(app, moderator("mia")).get("/moderation/").get_data(as_text=True)
    assert "erasing-heading" not in html


def _bodies(mailbox: Mailbox) -> list[str]:
    mails = mailbox.take()
    assert recipients(mails) == ["admin@example.org", "bo@example.org"]
    return [message.get_content() for _rcpt, message in mails]


def _without_the_line(body: str, count: int) -> str:
    for language in ("sv", "en"):
        line = LINE[language].format(n=count)
        assert body.count(line) == 1, (line, body)
        body = body.replace(line, "")
    return body


def test_the_notices_count_the_cases_soon_erased(
    app: Flask, admin: Account, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_addresses(app)
    smtp_on(app, mailbox.port)
    fix_today(monkeypatch, TODAY)
    first, second = new_cases(app, 2)
    assert notify(app, "send").exit_code == 0
    for body in _bodies(mailbox):  # nothing soon erased: no line, and not a digit in the mail
        assert "Closed cases" not in body and not re.search(r"\d", body)

    close_on(app, first, D(2025, 3, 4))  # erased on 2027-03-05
    close_on(app, second, D(2025, 3, 30))  # erased on 2027-03-31
    report_and_get_code(app.test_client())  # news, so that `notify send` mails again
    result = notify(app, "send")
    assert result.exit_code == 0, result.output
    for body in _bodies(mailbox):
        # The count and the days, and nothing else: no case number, no date.
        assert not re.search(r"\d", _without_the_line(body, 2))
        assert body.index(LINE["sv"].format(n=2)) < body.index("English") < body.index(LINE["en"].format(n=2))

    with Session(app.extensions["portal.engine"]) as db:  # the new case is due today
        db.execute(update(Report).where(Report.status != "closed").values(due_on=TODAY))
        db.commit()
    assert notify(app, "deadlines").exit_code == 0
    for body in _bodies(mailbox):
        assert "close to a legal deadline" in body
        assert not re.search(r"\d", _without_the_line(body, 2))
