"""The installation operator creates an organisation on /operator; its first admin enrols through
the link and makes the organisation's key; everything the operator did is in that organisation's
own audit log (issue 14, item 2)."""

from __future__ import annotations

import datetime as dt
import re

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import enrolment, organisations
from portal.db import new_session, utcnow
from portal.installation import setup_token
from portal.models import AuditEvent, EnrolmentLink, Organisation, Role, User
from tests.accounts import PASSWORD, Account, AuthActions
from tests.csrf import csrf_from, get_csrf
from tests.operator_helpers import create_organisation, enrol, operator_client

SECRET_RE = re.compile(r'data-secret="([A-Z2-7]+)"')


def _events(app: Flask, slug: str) -> list[tuple[str, str | None]]:
    """(event, actor's user name) of the organisation's audit log, oldest first."""
    with Session(app.extensions["portal.engine"]) as db:
        query = (
            select(AuditEvent.event, User.username)
            .join(Organisation, Organisation.id == AuditEvent.organisation_id)
            .outerjoin(User, User.id == AuditEvent.actor_id)
            .where(Organisation.slug == slug)
            .order_by(AuditEvent.id)
        )
        return [(event, name) for event, name in db.execute(query)]


def test_the_operator_creates_an_organisation_whose_first_admin_enrols_and_makes_its_key(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    operator, _account = operator_client(app)
    token = create_organisation(operator, "kommun-b", "Kommun B")
    with Session(app.extensions["portal.engine"]) as db:
        row = organisations.by_slug(db, "kommun-b")
        assert row is not None and row.public_key is None  # no key before the admin enrols
        stored = db.scalars(select(EnrolmentLink.token_sha256)).one()
        assert token not in stored  # only the token's hash is kept

    page = client.get(f"/enrol/{token}").get_data(as_text=True)
    assert "Konfigurera Kommun B" in page
    bertil = enrol(client, token, "bertil")
    assert AuthActions(client).login(bertil).location == "/moderation/"
    assert "Inloggad som bertil" in client.get("/moderation/").get_data(as_text=True)
    with Session(app.extensions["portal.engine"]) as db:
        row = organisations.by_slug(db, "kommun-b")
        assert row is not None and row.public_key is not None
        user = db.scalars(select(User).where(User.username == "bertil")).one()
        assert user.organisation_id == row.id and user.role is Role.ADMIN and user.has_org_key

    assert _events(app, "kommun-b") == [
        ("operator:organisation:created", "olle"),
        ("operator:enrolment:issued", "olle"),
        ("setup:admin:created", "bertil"),
        ("user:account:created", "bertil"),
        ("auth:login:succeeded", "bertil"),
    ]
    assert [event for event, _who in _events(app, "org1") if event.startswith("operator:")] == []
    # The link worked once.
    assert client.get(f"/enrol/{token}").status_code == 403


def test_the_organisations_admin_sees_the_operators_work_in_its_audit_log(app: Flask) -> None:
    operator, _account = operator_client(app)
    token = create_organisation(operator, "kommun-b", "Kommun B")
    visitor = app.test_client()
    bertil = enrol(visitor, token, "bertil")
    AuthActions(visitor).login(bertil)
    page = visitor.get("/moderation/audit").get_data(as_text=True)
    assert "Organisation skapad av installationens driftansvarige" in page
    assert "Installationens driftansvarige" in page


def test_a_link_expires_after_72_hours_and_a_new_one_replaces_the_old(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context(), new_session() as db:
        row = organisations.create(db, "kommun-b", "Kommun B")
        old = enrolment.issue(db, row, None, utcnow() - dt.timedelta(hours=71, minutes=59))
        db.commit()
    assert client.get(f"/enrol/{old}").status_code == 200
    with app.app_context(), new_session() as db:
        row = organisations.get(db, row.id)
        expired = enrolment.issue(db, row, None, utcnow() - dt.timedelta(hours=72, seconds=1))
        db.commit()
    refused = client.get(f"/enrol/{expired}")
    assert refused.status_code == 403
    assert "Be installationens driftansvarige om en ny" in refused.get_data(as_text=True)
    assert client.get(f"/enrol/{old}").status_code == 403  # replaced by the newer one
    assert client.get("/enrol/not-a-token").status_code == 403


def test_two_people_with_one_link_make_one_admin(app: Flask) -> None:
    operator, _account = operator_client(app)
    token = create_organisation(operator, "kommun-b", "Kommun B")
    first, second = app.test_client(), app.test_client()
    pages = {}
    for who, visitor in (("anna", first), ("bodil", second)):
        page = visitor.get(f"/enrol/{token}").get_data(as_text=True)
        step1 = visitor.post(
            f"/enrol/{token}",
            data={"username": who, "password": PASSWORD, "confirm": PASSWORD, "csrf_token": csrf_from(page)},
        )
        assert step1.location == "/setup/totp"
        pages[who] = visitor.get("/setup/totp").get_data(as_text=True)
    for who, visitor in (("anna", first), ("bodil", second)):
        secret = SECRET_RE.search(pages[who])
        assert secret
        visitor.post(
            "/setup/totp",
            data={"totp": pyotp.TOTP(secret.group(1)).now(), "csrf_token": csrf_from(pages[who])},
        )
    with Session(app.extensions["portal.engine"]) as db:
        names = db.scalars(select(User.username).where(User.role == Role.ADMIN)).all()
    assert names == ["anna"]
    assert "Be installationens driftansvarige" in second.get("/setup/totp").get_data(as_text=True)


def test_the_set_up_link_closes_once_there_are_several_organisations(app: Flask, client: FlaskClient) -> None:
    with app.app_context(), new_session() as db:
        organisations.create(db, "org1", "Organisation 1")
        organisations.create(db, "kommun-b", "Kommun B")
        db.commit()
    assert client.get(f"/setup?token={setup_token(app.config['PORTAL'])}").status_code == 403


def test_a_user_name_taken_in_another_organisation_is_refused_at_the_first_step(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    operator, _account = operator_client(app)
    token = create_organisation(operator, "kommun-b", "Kommun B")
    page = client.get(f"/enrol/{token}").get_data(as_text=True)
    taken = client.post(
        f"/enrol/{token}",
        data={
            "username": admin.username,
            "password": PASSWORD,
            "confirm": PASSWORD,
            "csrf_token": csrf_from(page),
        },
    )
    assert taken.status_code == 400
    assert "Användarnamnet är upptaget" in taken.get_data(as_text=True)
    assert f'value="{admin.username}"' in taken.get_data(as_text=True)  # what was typed stays


def test_the_operators_form_keeps_what_was_typed_and_says_what_is_wrong(app: Flask) -> None:
    operator, _account = operator_client(app)
    token = get_csrf(operator, "/operator/")
    bad = operator.post(
        "/operator/organisations", data={"slug": "Kommun B!", "name": "Kommun B", "csrf_token": token}
    )
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert "Använd små bokstäver a–z, siffror och bindestreck" in html
    assert 'value="Kommun B!"' in html and 'value="Kommun B"' in html
    create_organisation(operator, "kommun-b", "Kommun B")
    again = operator.post(
        "/operator/organisations", data={"slug": "kommun-b", "name": "Kommun Bis", "csrf_token": token}
    )
    assert again.status_code == 400
    assert "En annan organisation har det korta namnet" in again.get_data(as_text=True)
    english = operator.post(
        "/operator/organisations?lang=en", data={"slug": "-b-", "name": "B", "csrf_token": token}
    )
    assert english.status_code == 400
    assert "Use lower-case letters a–z, digits and hyphens, not first or last." in english.get_data(
        as_text=True
    )


def test_only_the_operator_reaches_operator_pages_and_the_operator_no_moderation_page(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    assert client.get("/operator/").location == "/moderation/login"
    auth.login(admin)
    assert client.get("/operator/").location == "/moderation/login"
    token = get_csrf(client, "/moderation/")
    refused = client.post("/operator/organisations", data={"slug": "x", "name": "X", "csrf_token": token})
    assert refused.status_code == 403
    operator, _account = operator_client(app)
    assert operator.get("/moderation/").location == "/operator/"
    assert operator.get("/moderation/audit").location == "/operator/"


def test_the_operator_renames_and_gives_a_host_name_in_the_organisations_log(app: Flask) -> None:
    operator, _account = operator_client(app)
    create_organisation(operator, "kommun-b", "Kommun B")
    with Session(app.extensions["portal.engine"]) as db:
        row = organisations.by_slug(db, "kommun-b")
        assert row is not None
        row_id = row.id
    page = f"/operator/organisations/{row_id}"
    token = get_csrf(operator, page)
    renamed = operator.post(f"{page}/name", data={"name": "Kommun Bē", "csrf_token": token})
    assert renamed.status_code == 303
    bad = operator.post(f"{page}/host", data={"host": "not a host", "csrf_token": token})
    assert bad.status_code == 400 and 'value="not a host"' in bad.get_data(as_text=True)
    hosted = operator.post(f"{page}/host", data={"host": "Visselblasare.Kommun-B.se", "csrf_token": token})
    assert hosted.status_code == 303
    with Session(app.extensions["portal.engine"]) as db:
        row = db.get(Organisation, row_id)
        assert row is not None and (row.name, row.host) == ("Kommun Bē", "visselblasare.kommun-b.se")
    changes = [
        e for e, who in _events(app, "kommun-b") if e == "operator:organisation:changed" and who == "olle"
    ]
    assert len(changes) == 2
    assert operator.get("/operator/organisations/999999").status_code == 404


def test_a_name_with_a_control_character_is_refused_with_the_reason(app: Flask) -> None:
    # PostgreSQL refuses a NUL in text: it must be the form that says no (a 400), not the database.
    operator, _account = operator_client(app)
    create_organisation(operator, "kommun-b", "Kommun B")
    page = "/operator/"
    refused = operator.post(
        "/operator/organisations",
        data={"slug": "kommun-c", "name": "Kommun\x00C", "csrf_token": get_csrf(operator, page)},
    )
    assert refused.status_code == 400
    assert "ogiltiga tecken" in refused.get_data(as_text=True)
    with Session(app.extensions["portal.engine"]) as db:
        assert organisations.by_slug(db, "kommun-c") is None


def test_a_second_admin_cannot_come_through_a_link(app: Flask) -> None:
    operator, _account = operator_client(app)
    token = create_organisation(operator, "kommun-b", "Kommun B")
    enrol(app.test_client(), token, "bertil")
    with Session(app.extensions["portal.engine"]) as db:
        row = organisations.by_slug(db, "kommun-b")
        assert row is not None
        row_id = row.id
    page = f"/operator/organisations/{row_id}"
    assert "Utfärda en ny registreringslänk" not in operator.get(page).get_data(as_text=True)
    refused = operator.post(f"{page}/link", data={"csrf_token": get_csrf(operator, page)})
    assert refused.status_code == 303
    assert "har sina administratörer" in operator.get(page).get_data(as_text=True)


def test_the_operators_page_shows_each_organisations_last_purge_and_whether_it_is_late(
    app: Flask, admin: Account
) -> None:
    operator, _account = operator_client(app)
    create_organisation(operator, "kommun-b", "Kommun B")
    rows = _rows(operator.get("/operator/").get_data(as_text=True))
    assert rows["Organisation 1"][-1] == "aldrig (försenad)"  # takes reports, never purged
    assert rows["Kommun B"][-1] == "aldrig"  # waits for its first admin: nothing to purge
    ran = app.test_cli_runner().invoke(args=["purge-expired"])
    assert ran.exit_code == 0, ran.output
    rows = _rows(operator.get("/operator/").get_data(as_text=True))
    assert rows["Organisation 1"][-1] == utcnow().strftime("%Y-%m-%d")


def _rows(html: str) -> dict[str, list[str]]:
    """The organisations table: each row's cells as text, by the organisation's name."""
    table = html[html.index("<tbody>") : html.index("</tbody>")]
    result = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        cells = [
            " ".join(re.sub(r"<[^>]+>", " ", cell).split())
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        result[cells[0]] = cells[1:]
    return result


def test_a_name_of_blanks_only_is_refused_with_the_form_not_a_500(app: Flask) -> None:
    operator, _account = operator_client(app)
    create_organisation(operator, "kommun-b", "Kommun B")  # organisation 1
    token = get_csrf(operator, "/operator/")
    for url in ("/operator/organisations", "/operator/organisations/1/name"):
        refused = operator.post(url, data={"slug": "kommun-x", "name": "   ", "csrf_token": token})
        assert refused.status_code == 400, url
        assert "Skriv organisationens namn." in refused.get_data(as_text=True), url


def test_a_disabled_operators_session_ends_at_the_next_request(app: Flask) -> None:
    operator, _account = operator_client(app)
    assert operator.get("/operator/").status_code == 200
    disabled = app.test_cli_runner().invoke(args=["users", "disable", "olle"])
    assert disabled.exit_code == 0, disabled.output
    assert operator.get("/operator/").location == "/moderation/login"
    token = get_csrf(operator, "/moderation/login")
    refused = operator.post("/operator/organisations", data={"slug": "x-y", "name": "X", "csrf_token": token})
    assert refused.status_code == 403
