"""``flask organisations create|list|rename|host|enrol`` and ``users create`` on an installation of
several organisations: the operator at the shell makes organisations and links, never a key."""

from __future__ import annotations

import re

from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import AuditEvent, Organisation, User
from tests.accounts import PASSWORD, Account, AuthActions
from tests.operator_helpers import enrol

LINK_RE = re.compile(r"http://127\.0\.0\.1:5000/enrol/([A-Za-z0-9_-]{43})$", re.M)


def _run(app: Flask, *args: str, stdin: str | None = None) -> Result:
    return app.test_cli_runner().invoke(args=list(args), input=stdin)


def test_create_prints_a_link_by_which_the_first_admin_enrols(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    created = _run(app, "organisations", "create", "kommun-b", "Kommun  B")
    assert created.exit_code == 0, created.output
    assert "Organisation kommun-b created" in created.output
    match = LINK_RE.search(created.output)
    assert match, created.output
    listed = _run(app, "organisations", "list")
    assert "kommun-b\tKommun B\t-\tawaiting its first admin (link until " in listed.output
    assert "org1\tOrganisation 1\t-\t1 active user(s)" in listed.output
    bertil = enrol(client, match.group(1), "bertil")
    assert AuthActions(client).login(bertil).location == "/moderation/"
    assert "kommun-b\tKommun B\t-\t1 active user(s)" in _run(app, "organisations", "list").output
    refused = _run(app, "organisations", "enrol", "kommun-b")
    assert refused.exit_code == 1 and "has its admins already" in refused.output
    with Session(app.extensions["portal.engine"]) as db:
        row = db.scalars(select(Organisation).where(Organisation.slug == "kommun-b")).one()
        events = db.scalars(
            select(AuditEvent.event).where(AuditEvent.organisation_id == row.id).order_by(AuditEvent.id)
        ).all()
    assert events[:2] == ["operator:organisation:created", "operator:enrolment:issued"]


def test_a_new_link_replaces_the_old_one(app: Flask, client: FlaskClient, admin: Account) -> None:
    first = LINK_RE.search(_run(app, "organisations", "create", "kommun-b", "Kommun B").output)
    second = LINK_RE.search(_run(app, "organisations", "enrol", "kommun-b").output)
    assert first and second and first.group(1) != second.group(1)
    assert client.get(f"/enrol/{first.group(1)}").status_code == 403
    assert client.get(f"/enrol/{second.group(1)}").status_code == 200


def test_bad_slugs_names_and_hosts_are_refused_with_the_reason(app: Flask, admin: Account) -> None:
    for args, reason in (
        (("create", "Kommun_B", "B"), "a slug is 1 to 40 lower-case letters"),
        (("create", "org1", "Again"), "that slug is taken"),
        (("create", "kommun-c", " "), "a name is 1 to 120 characters"),
        (("rename", "org1", "x" * 121), "a name is 1 to 120 characters"),
        (("host", "org1", "http://a.se:80"), "a host name is a DNS name"),
        (("host", "org1"), "give a HOST, or --none"),
        (("enrol", "nowhere"), "no organisation 'nowhere'"),
    ):
        result = _run(app, "organisations", *args)
        assert result.exit_code == 1 and reason in result.output, (args, result.output)


def test_rename_and_host_change_the_organisation(app: Flask, admin: Account) -> None:
    _run(app, "organisations", "create", "kommun-b", "Kommun B")
    assert _run(app, "organisations", "rename", "kommun-b", "Kommun Bē").exit_code == 0
    assert _run(app, "organisations", "host", "kommun-b", "VB.Kommun-B.se.").exit_code == 0
    taken = _run(app, "organisations", "host", "org1", "vb.kommun-b.se")
    assert taken.exit_code == 1 and "another organisation has that host name" in taken.output
    assert "kommun-b\tKommun Bē\tvb.kommun-b.se\t" in _run(app, "organisations", "list").output
    assert _run(app, "organisations", "host", "kommun-b", "--none").exit_code == 0
    assert "kommun-b\tKommun Bē\t-\t" in _run(app, "organisations", "list").output


def test_users_create_does_not_make_the_first_user_of_an_organisation_among_several(
    app: Flask, admin: Account
) -> None:
    _run(app, "organisations", "create", "kommun-b", "Kommun B")
    refused = _run(
        app,
        "users",
        "create",
        "bertil",
        "--role",
        "admin",
        "--organisation",
        "kommun-b",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert refused.exit_code == 1
    assert "its first admin enrols with a link ('organisations enrol kommun-b')" in refused.output
    assert "Recovery key" not in refused.output
    with Session(app.extensions["portal.engine"]) as db:
        assert db.scalar(select(User.id).where(User.username == "bertil")) is None
        row = db.scalars(select(Organisation).where(Organisation.slug == "kommun-b")).one()
        assert row.public_key is None
    # An organisation with its admin may get more users from the shell, as before.
    more = _run(
        app, "users", "create", "mona", "--organisation", "org1", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert more.exit_code == 0, more.output
