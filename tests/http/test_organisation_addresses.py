"""The reporter reaches an organisation by its address /o/<slug>/… or its host name (issue 14,
item 3); with one organisation nothing changes; the code opens its own case at any organisation's
follow-up page; report limits count per organisation and for the installation (item 6)."""

from __future__ import annotations

import dataclasses
import itertools
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import organisations
from portal.accounts import service as accounts
from portal.db import new_session
from portal.models import Organisation, Report, Role
from tests.accounts import PASSWORD, Account, AuthActions
from tests.csrf import get_csrf
from tests.reporting_helpers import DESCRIPTION

FIELDS = {"kind": "influence", "category": "threats", "area": "income_support", "description": DESCRIPTION}


def add_organisation(
    app: Flask, slug: str, name: str, admin: str | None = None, host: str | None = None
) -> Account | None:
    """A second organisation; with ``admin`` its first admin, which makes its key pair."""
    with app.app_context(), new_session() as db:
        row = organisations.create(db, slug, name)
        row.host = host
        account = None
        if admin:
            made = accounts.create_user(
                db, admin, Role.ADMIN, PASSWORD, app.config["PORTAL"], organisation_id=row.id
            )
            account = Account(admin, PASSWORD, made.totp_secret, made.recovery_key)
        db.commit()
        return account


def send(client: FlaskClient, base: str = "", host: str = "http://localhost") -> str:
    """Send a report from ``base``/report, see the receipt at the same address, give the code."""
    token = get_csrf(client, f"{host}{base}/report")
    sent = client.post(f"{host}{base}/report", data={**FIELDS, "csrf_token": token})
    assert sent.status_code == 303, sent.get_data(as_text=True)[:1500]
    assert sent.location == f"{base}/report/receipt"
    page = client.get(f"{host}{sent.location}").get_data(as_text=True)
    match = re.search(r"data-receipt-code>([0-9A-Z-]+)<", page)
    assert match
    return match.group(1)


def organisation_of_reports(app: Flask) -> list[str]:
    with Session(app.extensions["portal.engine"]) as db:
        return list(
            db.scalars(select(Organisation.slug).join(Report, Report.organisation_id == Organisation.id))
        )


def queue(client: FlaskClient, auth: AuthActions, account: Account) -> str:
    assert auth.login(account).status_code == 302
    page = client.get("/moderation/cases").get_data(as_text=True)
    auth.logout()
    return page


def test_one_organisation_keeps_its_urls_and_shows_no_chooser(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    start = client.get("/?lang=en").get_data(as_text=True)
    assert "Break the silence about unlawful influence" in start
    assert "Choose your organisation" not in start
    assert "Organisation 1" not in start  # nothing of organisations shows with one
    assert 'href="/report"' in start
    assert send(client)
    slugged = client.get("/o/org1/").get_data(as_text=True)
    assert "Break the silence about unlawful influence" in slugged
    assert 'href="/o/org1/report"' in slugged
    assert send(client, "/o/org1")
    assert organisation_of_reports(app) == ["org1", "org1"]


def test_several_organisations_show_a_chooser_of_those_taking_reports(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    add_organisation(app, "b", "Kommun B", admin="bea")
    add_organisation(app, "c", "Kommun C")  # no admin yet: no key, not listed
    for url, target in (("/?lang=en", "/o/{}/"), ("/report", "/o/{}/report")):
        page = client.get(url).get_data(as_text=True)
        assert "Choose your organisation" in page
        links = re.findall(r'<li><a href="(/o/[^"]+)">([^<]+)</a></li>', page)
        assert links == [(target.format("b"), "Kommun B"), (target.format("org1"), "Organisation 1")]
    token = get_csrf(client, "/followup")
    again = client.post("/report", data={**FIELDS, "csrf_token": token})
    assert again.status_code == 200 and "Choose your organisation" in again.get_data(as_text=True)
    assert organisation_of_reports(app) == []


def test_a_report_sent_at_b_lands_in_bs_queue_only_and_its_code_opens_it_from_as_page(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    bea = add_organisation(app, "b", "Kommun B", admin="bea")
    assert bea is not None
    form = client.get("/o/b/report?lang=en").get_data(as_text=True)
    assert 'action="/o/b/report"' in form
    assert '<p class="organisation-name">Kommun B</p>' in form
    assert 'href="/o/b/report?lang=sv"' in form  # the language switch stays at b's address
    code = send(client, "/o/b")
    assert "Your report went to Kommun B." in client.get("/o/b/report/receipt").get_data(as_text=True)
    assert "Your report went to Kommun B." in client.get("/o/b/report/receipt/print").get_data(as_text=True)
    # Read at another organisation's address, the receipt still names the one it went to.
    assert "Your report went to Kommun B." in client.get("/o/org1/report/receipt").get_data(as_text=True)
    assert organisation_of_reports(app) == ["b"]
    with Session(app.extensions["portal.engine"]) as db:
        report_id = db.scalar(select(Report.id))
    assert f"/moderation/cases/{report_id}" in queue(client, auth, bea)
    assert f"/moderation/cases/{report_id}" not in queue(client, auth, admin)

    token = get_csrf(client, "/o/org1/followup")
    opened = client.post("/o/org1/followup", data={"code": code, "csrf_token": token})
    assert opened.status_code == 303
    assert opened.location == "/o/b/followup/case"
    case = client.get(opened.location).get_data(as_text=True)
    assert '<p class="organisation-name">Kommun B</p>' in case
    assert "Organisation 1" not in case
    assert 'action="/o/b/followup/reply"' in case
    # At another organisation's address the case still speaks in its own organisation's words.
    elsewhere = client.get("/o/org1/followup/case").get_data(as_text=True)
    assert '<p class="organisation-name">Kommun B</p>' in elsewhere
    assert 'action="/o/b/followup/reply"' in elsewhere


def test_the_plain_followup_page_needs_no_choice(app: Flask, client: FlaskClient, admin: Account) -> None:
    add_organisation(app, "b", "Kommun B", admin="bea")
    code = send(client, "/o/b")
    page = client.get("/followup?lang=en").get_data(as_text=True)
    assert "Choose your organisation" not in page
    opened = client.post("/followup", data={"code": code, "csrf_token": get_csrf(client, "/followup")})
    assert opened.location == "/o/b/followup/case"


def test_an_unknown_slug_is_a_page_not_found_in_the_portals_words(app: Flask, client: FlaskClient) -> None:
    for url in ("/o/nobody/", "/o/nobody/report", "/o/nobody/followup"):
        answer = client.get(url + "?lang=en")
        assert answer.status_code == 404
        assert "Page not found" in answer.get_data(as_text=True)


def test_an_organisation_without_a_key_answers_its_form_calmly(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    add_organisation(app, "c", "Kommun C")
    answer = client.get("/o/c/report?lang=en")
    assert answer.status_code == 503
    assert "Reports cannot be received yet" in answer.get_data(as_text=True)


def test_a_host_name_reaches_its_organisation_at_the_old_urls(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    add_organisation(app, "b", "Kommun B", admin="bea", host="visselblasare.kommun-b.se")
    host = "http://visselblasare.kommun-b.se"
    start = client.get(f"{host}/?lang=en").get_data(as_text=True)
    assert "Choose your organisation" not in start
    assert '<p class="organisation-name">Kommun B</p>' in start
    assert 'href="/report"' in start
    send(client, "", host=host)
    assert organisation_of_reports(app) == ["b"]
    assert "Organisation 1" in client.get("/?lang=en").get_data(as_text=True)  # other hosts: the chooser


def limit(app: Flask, per_organisation: str, installation: str) -> None:
    config = app.config["PORTAL"]
    app.config["PORTAL"] = dataclasses.replace(
        config, limit_report_submit=per_organisation, limit_report_submit_installation=installation
    )


def sent_from(client: FlaskClient, base: str) -> int:
    """A new report each time (the same words twice would be one report sent twice)."""
    token = get_csrf(client, f"{base}/report")
    words = f"{FIELDS['description']} ({next(_reports_sent)})"
    return client.post(
        f"{base}/report", data={**FIELDS, "description": words, "csrf_token": token}
    ).status_code


_reports_sent = itertools.count(1)


def test_one_organisations_flood_leaves_anothers_form_open(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    add_organisation(app, "b", "Kommun B", admin="bea")
    limit(app, "2 per hour", "100 per hour")
    assert [sent_from(client, "/o/org1"), sent_from(client, "/o/org1"), sent_from(client, "/o/org1")] == [
        303,
        303,
        429,
    ]
    assert [sent_from(client, "/o/b"), sent_from(client, "/o/b"), sent_from(client, "/o/b")] == [
        303,
        303,
        429,
    ]


def test_the_single_organisations_two_addresses_share_one_bucket(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    limit(app, "2 per hour", "100 per hour")
    assert [sent_from(client, ""), sent_from(client, "/o/org1"), sent_from(client, "")] == [
        303,
        303,
        429,
    ]


def test_the_installation_wide_limit_counts_every_organisation_together(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    add_organisation(app, "b", "Kommun B", admin="bea")
    limit(app, "100 per hour", "3 per hour")
    assert [sent_from(client, "/o/org1"), sent_from(client, "/o/b"), sent_from(client, "/o/org1")] == [
        303,
        303,
        303,
    ]
    assert sent_from(client, "/o/b") == 429


def test_an_admin_writes_the_organisations_texts_which_only_its_pages_show_escaped(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    bea = add_organisation(app, "b", "Kommun B", admin="bea")
    assert bea is not None
    assert auth.login(bea).status_code == 302
    token = get_csrf(client, "/moderation/texts")
    saved = client.post(
        "/moderation/texts",
        data={
            "intro": "Hej <b>alla</b> i Kommun B.",
            "contacts": "Ring HR: 010-123 45 67",
            "csrf_token": token,
        },
    )
    assert saved.status_code == 303 and saved.location == "/moderation/texts"
    too_long = client.post(
        "/moderation/texts", data={"intro": "x" * 601, "contacts": "Kvar", "csrf_token": token}
    )
    assert too_long.status_code == 400
    assert "Kvar</textarea>" in too_long.get_data(as_text=True)  # what was typed is still there
    audit = client.get("/moderation/audit").get_data(as_text=True)
    assert "texts:sv" in audit
    auth.logout()

    start = client.get("/o/b/").get_data(as_text=True)
    assert '<p class="local-text">Hej &lt;b&gt;alla&lt;/b&gt; i Kommun B.</p>' in start
    assert "Ring HR: 010-123 45 67" in start
    assert "Ring HR: 010-123 45 67" in client.get("/o/b/report").get_data(as_text=True)
    assert "Ring HR" in client.get("/o/b/report?lang=en").get_data(as_text=True)  # Swedish when no English
    code = send(client, "/o/b")
    assert code and "Ring HR" in client.get("/o/b/report/receipt").get_data(as_text=True)
    assert "Ring HR" not in client.get("/o/org1/").get_data(as_text=True)


def test_a_visit_to_a_new_installation_makes_no_organisation(app: Flask, client: FlaskClient) -> None:
    # A row made at a reporter's visit would date that visit (portal/organisations.py).
    for url in ("/", "/report", "/followup", "/o/org1/"):
        client.get(url)
    with Session(app.extensions["portal.engine"]) as db:
        assert list(db.scalars(select(Organisation.slug))) == []


def test_the_same_words_to_two_organisations_are_two_reports_and_twice_to_one_is_one(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    """A form sent twice is recognised per organisation (portal/security/once.py)."""
    add_organisation(app, "b", "Kommun B", admin="bea")

    def same_words(base: str) -> int:
        token = get_csrf(client, f"{base}/report")
        return client.post(f"{base}/report", data={**FIELDS, "csrf_token": token}).status_code

    assert [same_words("/o/org1"), same_words("/o/b"), same_words("/o/b")] == [303, 303, 409]
    assert sorted(organisation_of_reports(app)) == ["b", "org1"]
