"""CSRF: every POST route refuses a request without the session's token or with a wrong one.

The routes come from ``app.url_map``, so a POST route added tomorrow is tested tomorrow. Each is
posted by the actor who could really use it, with the id of a real object in its URL, so that a
missing check cannot hide behind a log-in wall or a 404. A refused request changes no row.
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from tests.security.rows import assert_nothing_stored, snapshot
from tests.security.world import World, token_of


@pytest.fixture
def world(shared_world: World) -> World:
    """One world per backend for this module; the control, which changes things, runs last."""
    return shared_world


CSRF_REFUSAL = "The form has expired or was sent from elsewhere"
ACTOR_BY_PREFIX = (  # the first matching prefix names who posts there
    ("/moderation", "admin"),
    ("/followup", "reporter"),
    ("/report", "reporter"),
    ("/forum", "writer"),
)


def post_routes(world: World) -> list[Rule]:
    rules = [rule for rule in world.app.url_map.iter_rules() if "POST" in (rule.methods or ())]
    # Log-outs last: the checks that follow them still need their actor's session.
    return sorted(rules, key=lambda rule: (rule.rule.endswith("logout"), rule.rule))


def actor(world: World, rule: Rule) -> FlaskClient:
    for prefix, name in ACTOR_BY_PREFIX:
        if rule.rule.startswith(prefix):
            return world.client(name)
    return world.fresh_client()


def wrong_tokens(right: str, stranger: str) -> dict[str, dict[str, str]]:
    """Form fields (and one header) that must all be refused; ``right`` is the poster's own token."""
    data, signature = right.rsplit(".", 1)
    return {
        "no token": {},
        "empty token": {"csrf_token": ""},
        "garbage": {"csrf_token": "not-a-token"},
        "another session's token": {"csrf_token": stranger},
        "forged signature": {"csrf_token": f"{data}.{signature[::-1]}"},
        "token in the query string": {"_query": right},
        "wrong header token": {"_header": stranger},
    }


def _post(client: FlaskClient, url: str, fields: dict[str, str]) -> tuple[int, str]:
    fields = dict(fields)
    query = fields.pop("_query", None)
    header = fields.pop("_header", None)
    response = client.post(
        f"{url}?csrf_token={query}" if query else url,
        data=fields,
        headers={"X-CSRFToken": header} if header else {},
    )
    return response.status_code, response.get_data(as_text=True)


def test_every_post_route_refuses_a_missing_or_wrong_token(world: World) -> None:
    app = world.app
    routes = post_routes(world)
    assert len(routes) >= 45, [r.rule for r in routes]  # the count today; fewer means routes were lost
    stranger = token_of(world.fresh_client())
    refused = 0
    for rule in routes:
        client = actor(world, rule)
        url = world.url_for_rule(rule.rule)
        attempts = wrong_tokens(token_of(client), stranger)
        before = snapshot(app)
        for how, fields in attempts.items():
            status, body = _post(client, url, fields)
            assert status == 400 and CSRF_REFUSAL in body, (rule.rule, how, status)
            refused += 1
        assert_nothing_stored(app, before, rule.rule)
    assert refused == len(routes) * len(attempts)


def test_the_right_token_gets_past_the_check(world: World) -> None:
    """The control: the same posts with the poster's token are not refused as forgeries."""
    for rule in post_routes(world):
        client = actor(world, rule)
        status, body = _post(client, world.url_for_rule(rule.rule), {"csrf_token": token_of(client)})
        assert CSRF_REFUSAL not in body and status < 500, (rule.rule, status)
