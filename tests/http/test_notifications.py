"""E-mail notices to moderators, delivered to a real SMTP server (aiosmtpd) on a loopback port.

What the mail may say: there is something to look at, or a deadline is near, and where to log in.
What it must never say: which case, its category or area, a word of the report, a number.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from flask import Flask
from flask_babel import force_locale
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from portal.accounts import service as accounts
from portal.cases.clocks import refresh_due
from portal.domain import Area, Category, Status, label, today
from portal.models import AuditEvent, Report
from portal.notify.models import NotifyState
from tests.accounts import Account, make_account
from tests.csrf import csrf_from
from tests.mailbox import DASHBOARD, Mailbox, free_port, notify, recipients, smtp_on, start
from tests.moderation_helpers import events
from tests.reporting_helpers import (
    DESCRIPTION,
    case_page,
    moderator_answers,
    only_report_id,
    open_with_code,
    reply,
    report_and_get_code,
)

SENT = "notify:digest:sent"


def with_addresses(app: Flask) -> None:
    """admin and bo get notices; cy has an address too, but cy's account is disabled."""
    make_account(app, "bo")
    make_account(app, "cy")
    # In an app context: disabling cy ends cy's sessions in the app's session store.
    with app.app_context(), Session(app.extensions["portal.engine"]) as db:
        actor = accounts.find(db, "admin")
        for name in ("admin", "bo", "cy"):
            accounts.set_notify_email(db, accounts.find(db, name), f"{name}@example.org", actor)
        accounts.disable(db, accounts.find(db, "cy"), actor)
        db.commit()


def everything_in(message: EmailMessage) -> str:
    headers = "\n".join(f"{name}: {value}" for name, value in message.items())
    content: str = message.get_content()
    return headers + "\n" + content


def assert_says_nothing_about_the_case(app: Flask, message: EmailMessage) -> None:
    text = everything_in(message)
    for word in re.findall(r"\w{6,}", DESCRIPTION):
        assert word.lower() not in text.lower(), word
    with app.test_request_context():
        for code in ("sv", "en"):
            with force_locale(code):
                for value in (Category.THREATS, Area.INCOME_SUPPORT):
                    assert str(label(value)) not in text, (code, value)
                    assert value.value not in text
    # No case number, no count, no date or time of the report: the body holds no digit at all.
    assert not re.search(r"\d", message.get_content()), message.get_content()
    assert not re.search(r"\d", str(message["Subject"]))


def test_a_new_report_is_announced_once_to_each_active_moderator(
    app: Flask, admin: Account, mailbox: Mailbox
) -> None:
    with_addresses(app)
    smtp_on(app, mailbox.port)
    report_and_get_code(app.test_client(), attachments=[(io.BytesIO(b"minnesanteckning\n"), "notes.txt")])

    result = notify(app, "send")
    assert result.exit_code == 0, result.output
    assert "org1: notice sent to 2 moderator(s)." in result.output
    mails = mailbox.take()
    # One mail per moderator, each addressed to that moderator alone; cy is disabled.
    assert [rcpt_tos for rcpt_tos, _m in mails] == [["admin@example.org"], ["bo@example.org"]]
    for rcpt_tos, message in mails:
        assert message["To"] == rcpt_tos[0]
        assert message["Auto-Submitted"] == "auto-generated"
        assert message.get_content_type() == "text/plain"
        body = message.get_content()
        assert body.count(DASHBOARD) == 2  # once under each language
        assert body.index("Svenska") < body.index("English")
        assert "There is something new for the moderators to look at." in body
        assert_says_nothing_about_the_case(app, message)
    assert events(app).count(SENT) == 1
    assert events(app, "notify:news") == [SENT]

    again = notify(app, "send")
    assert again.exit_code == 0 and "Nothing new since the last notice." in again.output
    # A moderator's own answer is nothing new for the moderators.
    moderator_answers(app, admin, only_report_id(app), "Tack, vi har tagit emot din rapport.")
    assert "Nothing new" in notify(app, "send").output
    assert mailbox.take() == [] and events(app).count(SENT) == 1


def _reporter_acts(client: Any, action: str) -> None:
    if action == "reply":
        assert reply(client, "Det har hänt igen i dag.").status_code == 303
    elif action == "files":
        token = csrf_from(case_page(client))
        response = client.post(
            "/followup/reply",
            data={"csrf_token": token, "attachments": [(io.BytesIO(b"fler anteckningar\n"), "more.txt")]},
            content_type="multipart/form-data",
        )
        assert response.status_code == 303
    else:
        token = csrf_from(case_page(client))
        assert client.post("/followup/meeting", data={"csrf_token": token}).status_code == 303


@pytest.mark.parametrize("action", ["reply", "files", "meeting"])
def test_what_a_reporter_adds_brings_the_same_notice_again(
    app: Flask, admin: Account, mailbox: Mailbox, action: str
) -> None:
    with_addresses(app)
    smtp_on(app, mailbox.port)
    reporter = app.test_client()
    code = report_and_get_code(reporter)
    assert notify(app, "send").exit_code == 0
    first = mailbox.take()

    open_with_code(reporter, code)
    assert "Nothing new" in notify(app, "send").output  # opening the case is no news
    _reporter_acts(reporter, action)
    result = notify(app, "send")
    assert result.exit_code == 0, result.output
    second = mailbox.take()
    assert recipients(second) == ["admin@example.org", "bo@example.org"]
    # Word for word the notice of a new report: the mail cannot tell what happened.
    assert [m.get_content() for _r, m in second] == [m.get_content() for _r, m in first]
    assert [m["Subject"] for _r, m in second] == [m["Subject"] for _r, m in first]
    assert "Nothing new" in notify(app, "send").output
    assert events(app).count(SENT) == 2


def test_a_report_after_the_newest_case_was_erased_is_still_news(
    app: Flask, admin: Account, mailbox: Mailbox
) -> None:
    """SQLite gives the id of an erased last row to the next one: the marks must follow it down."""
    with_addresses(app)
    smtp_on(app, mailbox.port)
    report_and_get_code(app.test_client())
    assert notify(app, "send").exit_code == 0
    mailbox.take()
    with Session(app.extensions["portal.engine"]) as db:
        long_ago = today() - dt.timedelta(days=app.config["PORTAL"].retention_days + 1)
        db.execute(update(Report).values(status=Status.CLOSED, closed_on=long_ago, due_on=None))
        db.commit()
    assert "1 closed case(s) erased" in app.test_cli_runner().invoke(args=["purge-expired"]).output
    assert "Nothing new" in notify(app, "send").output

    report_and_get_code(app.test_client())
    assert "org1: notice sent to 2 moderator(s)." in notify(app, "send").output
    assert recipients(mailbox.take()) == ["admin@example.org", "bo@example.org"]


def _set_clocks(app: Flask, received_days_ago: int, acknowledged_days_ago: int | None = None) -> None:
    """Move the only report back in time; its next deadline follows from the legal clocks."""
    with Session(app.extensions["portal.engine"]) as db:
        report = db.scalars(select(Report)).one()
        report.created_on = today() - dt.timedelta(days=received_days_ago)
        if acknowledged_days_ago is not None:
            report.status = Status.ACKNOWLEDGED
            report.acknowledged_on = today() - dt.timedelta(days=acknowledged_days_ago)
        refresh_due(report)
        db.commit()


@pytest.mark.parametrize(
    ("received_days_ago", "acknowledged_days_ago", "reminded"),
    [
        (0, None, False),  # day 1 of the 7-day acknowledgement window: no reminder yet
        (4, None, False),  # due in 3 days
        (6, None, True),  # day 6: due tomorrow
        (8, None, True),  # overdue
        (40, 30, False),  # acknowledged; feedback due in about two months
        (96, 86, True),  # feedback due within a week (3 months after the acknowledgement)
    ],
)
def test_daily_deadline_reminder(
    app: Flask,
    admin: Account,
    mailbox: Mailbox,
    received_days_ago: int,
    acknowledged_days_ago: int | None,
    reminded: bool,
) -> None:
    with_addresses(app)
    smtp_on(app, mailbox.port)
    report_and_get_code(app.test_client())
    _set_clocks(app, received_days_ago, acknowledged_days_ago)

    result = notify(app, "deadlines")
    assert result.exit_code == 0, result.output
    mails = mailbox.take()
    if not reminded:
        assert "No case is overdue or close to a legal deadline." in result.output
        assert mails == [] and SENT not in events(app)
        return
    assert "org1: deadline reminder sent to 2 moderator(s)." in result.output
    assert recipients(mails) == ["admin@example.org", "bo@example.org"]
    for _rcpt_tos, message in mails:
        assert "close to a legal deadline or past it" in message.get_content()
        assert DASHBOARD in message.get_content()
        assert_says_nothing_about_the_case(app, message)
    assert events(app, "notify:deadlines") == [SENT]
    # However often the timer fires, one reminder a day.
    again = notify(app, "deadlines")
    assert again.exit_code == 0 and "sent already" in again.output
    assert mailbox.take() == []


def test_with_smtp_off_the_commands_say_so_and_succeed(app: Flask, admin: Account) -> None:
    with_addresses(app)
    report_and_get_code(app.test_client())
    _set_clocks(app, 8)
    assert app.config["PORTAL"].smtp_host == ""
    for command in ("send", "deadlines"):
        result = notify(app, command)
        assert result.exit_code == 0, result.output
        assert "E-mail notices are off: PORTAL_SMTP_HOST is empty." in result.output
    assert SENT not in events(app)


def test_mail_server_down_fails_loudly_and_the_next_run_retries(
    app: Flask, admin: Account, mailbox: Mailbox
) -> None:
    with_addresses(app)
    report_and_get_code(app.test_client())
    _set_clocks(app, 8)
    smtp_on(app, free_port())  # nobody listens there
    for command in ("send", "deadlines"):
        result = notify(app, command)
        assert result.exit_code == 1, result.output
        assert "no session with the mail server: ConnectionRefusedError" in result.stderr
        assert "nobody was told; the next run tries again" in result.stderr
        assert "@" not in result.stderr  # moderators are named by user name
    assert SENT not in events(app)

    smtp_on(app, mailbox.port)
    for command in ("send", "deadlines"):
        result = notify(app, command)
        assert result.exit_code == 0, result.output
        assert recipients(mailbox.take()) == ["admin@example.org", "bo@example.org"]
    assert events(app).count(SENT) == 2


def test_a_refused_recipient_does_not_stop_the_others(app: Flask, admin: Account, mailbox: Mailbox) -> None:
    with_addresses(app)
    smtp_on(app, mailbox.port)
    mailbox.refuse.add("admin@example.org")
    report_and_get_code(app.test_client())
    result = notify(app, "send")
    assert result.exit_code == 1
    assert "the notice did not reach admin: 550 5.1.1 No such mailbox here" in result.stderr
    assert "org1: notice sent to 1 moderator(s)." in result.stdout
    assert recipients(mailbox.take()) == ["bo@example.org"]
    # bo was told, so the news counts as announced: one bad address must not resend it to all.
    assert "Nothing new" in notify(app, "send").output


def test_nobody_with_an_address_is_not_an_error(app: Flask, admin: Account, mailbox: Mailbox) -> None:
    smtp_on(app, mailbox.port)
    report_and_get_code(app.test_client())
    result = notify(app, "send")
    assert result.exit_code == 0 and "No active moderator has a notice address" in result.output
    # The news waits for the first address an admin enters.
    with_addresses(app)
    assert "org1: notice sent to 2 moderator(s)." in notify(app, "send").output


def test_starttls_is_required_when_configured(app: Flask, admin: Account, mailbox: Mailbox) -> None:
    with_addresses(app)
    smtp_on(app, mailbox.port, smtp_starttls=True)  # this test server offers no STARTTLS
    report_and_get_code(app.test_client())
    result = notify(app, "send")
    assert result.exit_code == 1 and "STARTTLS" in result.stderr
    assert mailbox.take() == [] and SENT not in events(app)


def test_no_password_in_clear_text_to_a_remote_server(app: Flask, admin: Account) -> None:
    smtp_on(app, 587, smtp_host="smtp.example.org", smtp_user="portal", smtp_password="hemligt")
    result = notify(app, "send")
    assert result.exit_code == 1
    assert "refusing to send the SMTP password without STARTTLS" in result.stderr


def test_logs_in_when_a_user_is_set(app: Flask, admin: Account) -> None:
    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        good = isinstance(data, LoginPassword) and (data.login, data.password) == (b"portal", b"hemligt")
        return AuthResult(success=good, handled=False)

    box = Mailbox()
    controller = start(box, authenticator=authenticator, auth_require_tls=False)
    try:
        with_addresses(app)
        report_and_get_code(app.test_client())
        smtp_on(app, box.port, smtp_user="portal", smtp_password="fel")
        wrong = notify(app, "send")
        assert wrong.exit_code == 1 and "535" in wrong.stderr
        smtp_on(app, box.port, smtp_user="portal", smtp_password="hemligt")
        assert notify(app, "send").exit_code == 0
        assert recipients(box.take()) == ["admin@example.org", "bo@example.org"]
    finally:
        controller.stop()


def test_the_state_holds_no_time_and_no_case(app: Flask, admin: Account, mailbox: Mailbox) -> None:
    """What is stored: the highest ids announced, a count and a date; no time of day, no subject."""
    with_addresses(app)
    smtp_on(app, mailbox.port)
    report_and_get_code(app.test_client())
    assert notify(app, "send").exit_code == 0
    with Session(app.extensions["portal.engine"]) as db:
        state = db.scalars(select(NotifyState)).one()
        assert (state.reports, state.reporter_messages, state.reporter_files, state.meeting_requests) == (
            only_report_id(app),
            0,
            0,
            0,
        )
        assert state.deadlines_sent_on is None
        digest = db.scalars(select(AuditEvent).where(AuditEvent.event == SENT)).one()
        assert digest.actor_id is None and digest.subject == "notify:news"
        assert (
            db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.subject.like("%@%"))) == 0
        )
