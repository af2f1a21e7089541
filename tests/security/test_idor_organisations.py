"""IDOR across organisations: the staff of organisation B against every /moderation route of A.

The world (world.py) is organisation A's: a case with a file, a note, a quick reply, users, a
forum board with posts. Organisation B gets an admin (holding B's own key) and a moderator. B's
admin is the strongest outsider there is: every route is open to their role, so only the scope of
their organisation stands between them and A. For every route, with A's real ids and a valid CSRF
token: a route naming one of A's objects answers 404 and changes nothing; a route without an id
answers B's own page, on which nothing of A's appears (a form posted there may change B's own
settings, which are B's to change).
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal import organisations
from portal.accounts import grants
from portal.accounts import service as accounts
from portal.models import Role
from tests.accounts import AuthActions, make_account
from tests.security.rows import assert_nothing_stored, snapshot
from tests.security.test_idor import ADMIN_ENDPOINTS, MODERATOR_ENDPOINTS, SECRETS_OF_CASES
from tests.security.world import World, token_of

# What only organisation A's pages show: its case, file and note, its quick reply, its board's
# posts, and the user names of its staff as the users and audit pages list them.
SECRETS_OF_A = (
    *SECRETS_OF_CASES,
    "Tack, vi har tagit emot din anmälan.",
    "förbjudetord",
    'scope="row">admin</th>',
    'scope="row">moderator</th>',
    'scope="row">nokey</th>',
)
# Pages that change the visitor's own session, not anyone's data.
OWN_SESSION = {"moderation.logout"}


@pytest.fixture(scope="module")
def staff_of_b(shared_world: World) -> dict[str, FlaskClient]:
    app = shared_world.app
    with Session(app.extensions["portal.engine"]) as db:
        other = organisations.create(db, "kommun-b", "Kommun B").id
        db.commit()
    admin_b = make_account(app, "admin_b", Role.ADMIN, organisation_id=other)
    moderator_b = make_account(app, "moderator_b", organisation_id=other)
    with app.test_request_context(), Session(app.extensions["portal.engine"]) as db:
        actor = accounts.find(db, "admin_b")
        key = accounts.open_org_key(actor, admin_b.password, app.config["PORTAL"])
        grants.grant(db, accounts.find(db, "moderator_b"), key, actor)
        db.commit()
    clients = {}
    for account in (admin_b, moderator_b):
        client = shared_world.fresh_client()
        assert AuthActions(client).login(account).status_code == 302
        clients[account.username] = client
    return clients


def _requests(world: World, endpoints: frozenset[str]) -> list[tuple[str, str, bool]]:
    """(method, URL with A's ids, whether the URL names an object) of every route."""
    return [
        (
            method,
            world.url_for_rule(rule.rule),
            bool(set(rule.arguments) - set(rule.defaults or {}) - {"language"}),
        )
        for rule in world.app.url_map.iter_rules()
        if rule.endpoint in endpoints - OWN_SESSION
        for method in sorted((rule.methods or set()) & {"GET", "POST"})
    ]


@pytest.mark.parametrize("who", ["admin_b", "moderator_b"])
def test_staff_of_another_organisation_reach_nothing_of_this_one(
    shared_world: World, staff_of_b: dict[str, FlaskClient], who: str
) -> None:
    client = staff_of_b[who]
    token = token_of(client)
    endpoints = ADMIN_ENDPOINTS | MODERATOR_ENDPOINTS if who == "admin_b" else MODERATOR_ENDPOINTS
    requests = _requests(shared_world, endpoints)
    assert len(requests) >= (45 if who == "admin_b" else 20)
    for method, url, names_an_object in requests:
        before = snapshot(shared_world.app)
        if method == "GET":
            response = client.get(url)
        else:
            data = {"csrf_token": token, "confirm_number": str(shared_world.report_id), "version": "1"}
            response = client.post(url, data=data)
        if names_an_object:
            assert response.status_code == 404, (who, method, url, response.status_code)
        else:
            assert response.status_code < 500, (who, method, url, response.status_code)
        body = response.get_data(as_text=True)
        assert not [secret for secret in SECRETS_OF_A if secret in body], (who, method, url)
        if names_an_object:  # (a POST to a list page may change B's own settings: B's to change)
            assert_nothing_stored(shared_world.app, before, (who, method, url))


def test_the_control_this_organisations_admin_does_reach_them(shared_world: World) -> None:
    admin = shared_world.client("admin")
    case = admin.get(f"/moderation/cases/{shared_world.report_id}")
    assert case.status_code == 200
    assert SECRETS_OF_CASES[0] in case.get_data(as_text=True)
    assert "Tack, vi har tagit emot din anmälan." in admin.get("/moderation/templates").get_data(as_text=True)
