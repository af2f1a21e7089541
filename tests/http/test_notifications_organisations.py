"""E-mail notices with two organisations (issue 14): each organisation's moderators hear of its
own cases only, each organisation's run stands on its own, and its events go into its own log.

A (org1, "Kommun A"): admin and bo have notice addresses. B (kommun-b, "Kommun B"): admin_b and
mo_b have. An operator with an address (belonging to no organisation) must never get a mail.
"""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import organisations
from portal.accounts import service as accounts
from portal.cases.clocks import refresh_due
from portal.domain import today
from portal.models import Report, Role
from portal.notify.models import NotifyState
from tests.accounts import Account, make_account
from tests.mailbox import Mailbox, notify, recipients, smtp_on
from tests.reporting_helpers import report_and_get_code
from tests.two_organisations import A_BASE, B_BASE, B_SLUG, Two, give_addresses, log_of, two_organisations

A_PEOPLE = ["admin@example.org", "bo@example.org"]
B_PEOPLE = ["admin_b@example.org", "mo_b@example.org"]


@pytest.fixture
def two(app: Flask, admin: Account, mailbox: Mailbox) -> Two:
    two = two_organisations(app)
    make_account(app, "bo", organisation_id=two.a)
    make_account(app, "op", Role.OPERATOR)
    give_addresses(app, "admin", "admin", "bo")
    give_addresses(app, "admin_b", "admin_b", "mo_b")
    with Session(app.extensions["portal.engine"]) as db:
        # No page gives an operator an address; the row is what the recipients query must skip.
        accounts.find(db, "op").notify_email = "op@example.org"
        db.commit()
    smtp_on(app, mailbox.port)
    return two


def test_as_report_is_told_to_as_moderators_only_and_bs_to_bs(app: Flask, two: Two, mailbox: Mailbox) -> None:
    report_and_get_code(app.test_client(), A_BASE)
    result = notify(app, "send")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "org1: notice sent to 2 moderator(s).\nkommun-b: Nothing new since the last notice.\n"
    )
    mails = mailbox.take()
    assert recipients(mails) == A_PEOPLE
    for _rcpt_tos, message in mails:
        # With several organisations the notice says whose it is, and nothing more.
        assert message["Subject"].startswith("Tystnadsbrytaren (Kommun A): ")
        assert message.get_content().count("Organisation: Kommun A") == 2  # under each language
        assert "Kommun B" not in message.get_content()
    assert log_of(app, two.a, "notify:") == [("notify:digest:sent", "notify:news")]
    assert log_of(app, two.b, "notify:") == []

    report_and_get_code(app.test_client(), B_BASE)
    result = notify(app, "send")
    assert result.output == (
        "org1: Nothing new since the last notice.\nkommun-b: notice sent to 2 moderator(s).\n"
    )
    assert recipients(mailbox.take()) == B_PEOPLE
    assert log_of(app, two.a, "notify:") == [("notify:digest:sent", "notify:news")]
    assert log_of(app, two.b, "notify:") == [("notify:digest:sent", "notify:news")]
    with Session(app.extensions["portal.engine"]) as db:
        b_report = db.scalars(select(Report.id).where(Report.organisation_id == two.b)).one()
        a_report = db.scalars(select(Report.id).where(Report.organisation_id == two.a)).one()
        marks = {row.organisation_id: row.reports for row in db.scalars(select(NotifyState))}
    assert marks == {two.a: a_report, two.b: b_report}


def _received(app: Flask, organisation_id: int, days_ago: int) -> None:
    """Move the organisation's reports back in time; their deadlines follow the legal clocks."""
    with Session(app.extensions["portal.engine"]) as db:
        for report in db.scalars(select(Report).where(Report.organisation_id == organisation_id)):
            report.created_on = today() - dt.timedelta(days=days_ago)
            refresh_due(report)
        db.commit()


def test_bs_deadline_reminds_bs_moderators_only(app: Flask, two: Two, mailbox: Mailbox) -> None:
    report_and_get_code(app.test_client(), A_BASE)
    report_and_get_code(app.test_client(), B_BASE)
    _received(app, two.b, 8)  # B's acknowledgement is overdue; A's report came in today
    result = notify(app, "deadlines")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "org1: No case is overdue or close to a legal deadline.\n"
        "kommun-b: deadline reminder sent to 2 moderator(s).\n"
    )
    assert recipients(mailbox.take()) == B_PEOPLE
    assert log_of(app, two.b, "notify:") == [("notify:digest:sent", "notify:deadlines")]
    assert log_of(app, two.a, "notify:") == []
    with Session(app.extensions["portal.engine"]) as db:
        reminded = {row.organisation_id: row.deadlines_sent_on for row in db.scalars(select(NotifyState))}
    assert reminded == {two.b: today()}

    _received(app, two.a, 8)  # now A's is overdue too: A is reminded today, B has been already
    again = notify(app, "deadlines")
    assert again.output == (
        "org1: deadline reminder sent to 2 moderator(s).\nkommun-b: Today's deadline reminder has been sent already.\n"
    )
    assert recipients(mailbox.take()) == A_PEOPLE


def test_as_refused_recipients_do_not_stop_b_and_as_notice_stays_pending(
    app: Flask, two: Two, mailbox: Mailbox
) -> None:
    report_and_get_code(app.test_client(), A_BASE)
    report_and_get_code(app.test_client(), B_BASE)
    mailbox.refuse.update(A_PEOPLE)
    result = notify(app, "send")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: org1: the notice did not reach admin: 550 5.1.1 No such mailbox here\n"
        "Error: org1: the notice did not reach bo: 550 5.1.1 No such mailbox here\n"
        "Error: org1: nobody was told; the next run tries again.\n"
    )
    assert result.stdout == "kommun-b: notice sent to 2 moderator(s).\n"
    assert recipients(mailbox.take()) == B_PEOPLE
    assert log_of(app, two.a, "notify:") == [("notify:digest:failed", "notify:news")]
    assert log_of(app, two.b, "notify:") == [("notify:digest:sent", "notify:news")]

    mailbox.refuse.clear()  # A's mail server takes them again: A's news is still news, B's is not
    retry = notify(app, "send")
    assert retry.exit_code == 0, retry.output
    assert (
        retry.output == "org1: notice sent to 2 moderator(s).\nkommun-b: Nothing new since the last notice.\n"
    )
    assert recipients(mailbox.take()) == A_PEOPLE


def test_nobody_to_tell_in_b_and_a_keyless_organisation_hold_back_nobody(
    app: Flask, two: Two, mailbox: Mailbox
) -> None:
    with Session(app.extensions["portal.engine"]) as db:
        organisations.create(db, "kommun-c", "Kommun C")  # no admin yet: no key, no reports
        db.commit()
    with app.app_context(), Session(app.extensions["portal.engine"]) as db:
        actor = accounts.find(db, "admin_b")
        for name in ("admin_b", "mo_b"):
            accounts.set_notify_email(db, accounts.find(db, name), None, actor)
        db.commit()
    report_and_get_code(app.test_client(), A_BASE)
    report_and_get_code(app.test_client(), B_BASE)
    result = notify(app, "send")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "org1: notice sent to 2 moderator(s).\n"
        f"{B_SLUG}: No active moderator has a notice address: nothing sent.\n"
    )
    assert recipients(mailbox.take()) == A_PEOPLE
