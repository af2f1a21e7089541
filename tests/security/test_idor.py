"""IDOR: every case, file, post and session URL, tried by someone it does not belong to.

Outsiders (logged out, a reporter, a forum writer) against every /moderation URL with real ids and
a valid CSRF token of their own; a moderator against every admin page; a moderator without the
organisation key against case contents; one reporter or forum writer against another's; pages
that show a secret once (receipts, enrolment, recovery key) from a session they were not shown to.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import CaseExclusion, Report, Role, User
from portal.security.sessions import COOKIE_NAME
from tests.accounts import AuthActions, make_account
from tests.forum_helpers import SLUG
from tests.reporting_helpers import receipt_code, submit
from tests.security.rows import assert_nothing_stored, snapshot
from tests.security.world import OTHER_REPORT_TEXT, REPORT_TEXT, World, token_of


@pytest.fixture
def world(shared_world: World) -> World:
    """One world per backend for this module: its tests only read, or add without undoing."""
    return shared_world


# Pages only admins may open (DESIGN.md §3, roles). Every /moderation endpoint must be listed in
# one of the two sets below, so that a new page is classified the day it is added.
ADMIN_ENDPOINTS = frozenset(
    {
        "moderation.users",
        "moderation.new_user",
        "moderation.invitation",
        "moderation.recovery_key",
        "moderation.new_recovery_key",
        "moderation.withdraw_invitation",
        "moderation.reset_user",
        "moderation.disable_user",
        "moderation.grant_access",
        "moderation.grant",
        "moderation.restrict",
        "moderation.postpone",
        "moderation.set_notify",
        "moderation.appoint_shared",
        "moderation.audit",
        "moderation.reply_templates",
        "moderation.new_template",
        "moderation.edit_template",
        "moderation.delete_template",
        "moderation.local_texts",
        "moderation.retention_period",
        "moderation.erase",
        "moderation.pooling",
        "moderation.forum_settings",
        "moderation.forum_board",
        "moderation.forum_gate",
        "moderation.forum_word_add",
        "moderation.forum_word_remove",
    }
)
MODERATOR_ENDPOINTS = frozenset(
    {
        "moderation.dashboard",
        "moderation.password",
        "moderation.logout",
        "moderation.queue_page",
        "moderation.case",
        "moderation.download",
        "moderation.send_message",
        "moderation.add_note",
        "moderation.resume_draft",
        "moderation.change_status",
        "moderation.assign",
        "moderation.set_labels",
        "moderation.reclassify",
        "moderation.meeting_offered",
        # Exports with redaction (issue 15 part 3): any moderator who may read the case.
        "moderation.add_mask",
        "moderation.remove_mask",
        "moderation.mask_files",
        "moderation.export_case",
        "moderation.record_oral",
        "moderation.oral_code",
        "moderation.add_minutes",
        "moderation.offer_meeting",
        "moderation.forum_queue",
        "moderation.forum_approve",
        "moderation.forum_reject",
        "moderation.forum_redact",
        "moderation.forum_lock",
        "moderation.forum_unlock",
        "moderation.forum_hide",
        "moderation.forum_show",
        "moderation.stats_page",
        "moderation.stats_csv",
        "moderation.handling_stats",
        "moderation.handling_stats_csv",
        "moderation.pooled_stats",
        "moderation.pooled_stats_csv",
    }
)
PUBLIC_ENDPOINTS = frozenset({"moderation.login"})
# The installation operator's pages (issue 14 item 2): only an operator opens them, and an
# operator opens nothing else behind the log-in.
OPERATOR_ENDPOINTS = frozenset(
    {
        "operator.home",
        "operator.create",
        "operator.organisation",
        "operator.link",
        "operator.new_link",
        "operator.rename",
        "operator.host",
        "operator.logout",
    }
)
SECRETS_OF_CASES = (REPORT_TEXT, OTHER_REPORT_TEXT, "anteckning.txt", "Anteckning om mötet")


def _moderation_requests(world: World, endpoints: frozenset[str]) -> list[tuple[str, str]]:
    """(method, URL) of every route of these endpoints, with real ids."""
    requests = []
    for rule in world.app.url_map.iter_rules():
        if rule.endpoint in endpoints:
            for method in sorted((rule.methods or set()) & {"GET", "POST"}):
                requests.append((method, world.url_for_rule(rule.rule)))
    return requests


def test_every_moderation_endpoint_is_classified(world: World) -> None:
    endpoints = {r.endpoint for r in world.app.url_map.iter_rules() if r.rule.startswith("/moderation")}
    assert endpoints == ADMIN_ENDPOINTS | MODERATOR_ENDPOINTS | PUBLIC_ENDPOINTS, endpoints ^ (
        ADMIN_ENDPOINTS | MODERATOR_ENDPOINTS | PUBLIC_ENDPOINTS
    )


def test_every_operator_endpoint_is_classified(world: World) -> None:
    endpoints = {r.endpoint for r in world.app.url_map.iter_rules() if r.rule.startswith("/operator")}
    assert endpoints == OPERATOR_ENDPOINTS, endpoints ^ OPERATOR_ENDPOINTS


def _operator_requests(world: World) -> list[tuple[str, str]]:
    return [
        (method, world.url_for_rule(rule.rule))
        for rule in world.app.url_map.iter_rules()
        if rule.endpoint in OPERATOR_ENDPOINTS - {"operator.logout"}
        for method in sorted((rule.methods or set()) & {"GET", "POST"})
    ]


@pytest.mark.parametrize("outsider", ["logged out", "reporter", "writer", "moderator", "admin"])
def test_nobody_but_the_operator_reaches_an_operator_page(world: World, outsider: str) -> None:
    client = world.fresh_client() if outsider == "logged out" else world.client(outsider)
    token = token_of(client)
    requests = _operator_requests(world)
    assert len(requests) >= 7
    for method, url in requests:
        before = snapshot(world.app)
        if method == "GET":
            response = client.get(url)
            assert response.status_code == 302 and response.location == "/moderation/login", (url, outsider)
        else:
            response = client.post(url, data={"csrf_token": token, "slug": "kapad", "name": "Kapad"})
            assert response.status_code == 403, (method, url, outsider, response.status_code)
        assert_nothing_stored(world.app, before, (outsider, method, url))


def test_the_operator_reaches_no_moderation_page_and_sees_no_case(world: World) -> None:
    operator = world.client("operator")
    token = token_of(operator)
    requests = _moderation_requests(world, ADMIN_ENDPOINTS | MODERATOR_ENDPOINTS)
    for method, url in requests:
        before = snapshot(world.app)
        if method == "GET":
            response = operator.get(url)
            assert response.status_code == 302 and response.location == "/operator/", url
        else:
            response = operator.post(url, data={"csrf_token": token, "message": "Operatören skriver."})
            assert response.status_code == 403, (method, url, response.status_code)
        assert not any(secret in response.get_data(as_text=True) for secret in SECRETS_OF_CASES), url
        assert_nothing_stored(world.app, before, ("operator", method, url))
    # The control: the operator's own pages answer, and show no case either.
    for method, url in _operator_requests(world):
        if method == "GET" and not url.endswith("/enrolment-link"):
            page = operator.get(url)
            assert page.status_code == 200, url
            assert not any(secret in page.get_data(as_text=True) for secret in SECRETS_OF_CASES), url


@pytest.mark.parametrize("outsider", ["logged out", "reporter", "writer"])
def test_outsiders_reach_nothing_under_moderation(world: World, outsider: str) -> None:
    client = world.fresh_client() if outsider == "logged out" else world.client(outsider)
    token = token_of(client)
    requests = _moderation_requests(world, ADMIN_ENDPOINTS | MODERATOR_ENDPOINTS)
    assert len(requests) >= 50
    for method, url in requests:
        before = snapshot(world.app)
        if method == "GET":
            response = client.get(url)
            assert response.status_code == 302 and response.location.endswith("/moderation/login"), (
                url,
                outsider,
            )
        else:
            response = client.post(url, data={"csrf_token": token})
            assert response.status_code == 403, (method, url, outsider, response.status_code)
        body = response.get_data(as_text=True)
        assert not any(secret in body for secret in SECRETS_OF_CASES), url
        assert_nothing_stored(world.app, before, (outsider, method, url))


def test_a_moderator_opens_no_admin_page(world: World) -> None:
    moderator = world.client("moderator")
    token = token_of(moderator)
    requests = _moderation_requests(world, ADMIN_ENDPOINTS)
    assert len(requests) >= 20
    for method, url in requests:
        before = snapshot(world.app)
        if method == "GET":
            response = moderator.get(url)
        else:
            response = moderator.post(url, data={"csrf_token": token, "confirm_number": str(world.report_id)})
        assert response.status_code == 403, (method, url, response.status_code)
        assert_nothing_stored(world.app, before, (method, url))
    # The control: the same moderator does reach every moderator page it may read.
    # (The pooled CSV exists only while the organisation takes part: tests/http/test_pooled_stats.py;
    # an oral report's code page only right after the report is saved: tests/http/test_oral_reports.py.)
    for method, url in _moderation_requests(
        world,
        MODERATOR_ENDPOINTS - {"moderation.logout", "moderation.pooled_stats_csv", "moderation.oral_code"},
    ):
        if method == "GET":
            assert moderator.get(url).status_code == 200, url


@pytest.mark.parametrize("who", ["no_key", "excluded"])
def test_a_moderator_without_the_case_key_finds_no_such_case(world: World, who: str) -> None:
    """Never granted, or kept out of this very case by an admin: the case is not there for them,
    not in the queue, the dashboard or the search, and no route reads or changes it."""
    client = world.client(who)
    token = token_of(client)
    case = f"/moderation/cases/{world.report_id}"
    for url in (case, f"{case}/files/{world.file_id}"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert REPORT_TEXT not in response.get_data(as_text=True)
    for action, field in (
        ("message", "message"),
        ("note", "note"),
        ("status", "status"),
        ("minutes", "minutes"),
        ("offer", "place"),
    ):
        before = snapshot(world.app)
        response = client.post(
            f"{case}/{action}",
            data={
                "csrf_token": token,
                field: "Ett svar som inte ska sparas.",
                "version": "1",
                "date": "2099-01-01",
                "time": "10:00",
            },
        )
        assert response.status_code == 404, action
        assert_nothing_stored(world.app, before, action)
    for page in (
        "/moderation/cases",
        "/moderation/cases?sort=created",
        "/moderation/cases?awaiting=1",
        "/moderation/",
    ):
        text = client.get(page).get_data(as_text=True)
        assert f'href="{case}"' not in text and REPORT_TEXT not in text, page
    # The other case is not restricted: the excluded moderator reads it.
    other = client.get(f"/moderation/cases/{world.other_report_id}")
    assert other.status_code == (200 if who == "excluded" else 404)


@pytest.mark.parametrize("who", ["no_key", "excluded"])
def test_a_moderator_without_the_case_key_exports_and_masks_nothing(world: World, who: str) -> None:
    """Valid exports and masks of the case (issue 15 part 3), posted by one who may not read it:
    not found, no file, nothing stored, not even an audit event."""
    client = world.client(who)
    token = token_of(client)
    case = f"/moderation/cases/{world.report_id}"
    for path, data in (
        ("export", {"format": "pdf", "registration": "KS 2026/1"}),
        ("export", {"format": "zip", "include_notes": "y"}),
        ("masks", {"target": "report", "passage": REPORT_TEXT.split()[1]}),
        ("masks/files", {"files": str(world.file_id)}),
        ("masks/1/remove", {}),
    ):
        before = snapshot(world.app)
        response = client.post(f"{case}/{path}", data={"csrf_token": token, **data})
        assert response.status_code == 404, path
        assert b"%PDF" not in response.data and REPORT_TEXT not in response.get_data(as_text=True)
        assert_nothing_stored(world.app, before, path)


def test_an_admin_cannot_be_kept_out_and_the_case_page_says_why(world: World) -> None:
    admin = world.client("admin")
    case = f"/moderation/cases/{world.report_id}"
    page = admin.get(case).get_data(as_text=True)
    assert "cannot be kept out of a case" in page
    with Session(world.app.extensions["portal.engine"]) as db:
        admin_id = db.scalars(select(User.id).where(User.username == "admin")).one()
        version = db.get_one(Report, world.report_id).version
    refused = admin.post(
        f"{case}/access",
        data={"csrf_token": token_of(admin), "exclude": str(admin_id), "version": str(version)},
    )
    assert refused.status_code == 400
    with Session(world.app.extensions["portal.engine"]) as db:
        assert db.get(CaseExclusion, (world.report_id, admin_id)) is None


def test_a_file_is_reached_only_through_its_own_case(world: World) -> None:
    admin = world.client("admin")
    own = admin.get(f"/moderation/cases/{world.report_id}/files/{world.file_id}")
    assert own.status_code == 200 and b"Anteckning om m\xc3\xb6tet" in own.data
    crossed = admin.get(f"/moderation/cases/{world.report_id}/files/{world.other_file_id}")
    assert crossed.status_code == 404
    for url in (f"/moderation/cases/{2**31}", f"/moderation/cases/{world.report_id}/files/{10**30}"):
        assert admin.get(url).status_code == 404, url


def test_reporter_urls_carry_no_ids_and_each_session_reaches_its_own_case(world: World) -> None:
    reporter_rules = [
        r for r in world.app.url_map.iter_rules() if r.rule.startswith(("/report", "/followup"))
    ]
    assert reporter_rules and not any(r.arguments for r in reporter_rules)
    own = world.client("reporter").get("/followup/case").get_data(as_text=True)
    other = world.client("other_reporter").get("/followup/case").get_data(as_text=True)
    assert REPORT_TEXT in own and OTHER_REPORT_TEXT not in own
    assert OTHER_REPORT_TEXT in other and REPORT_TEXT not in other
    stranger = world.fresh_client()
    assert stranger.get("/followup/case").status_code == 302
    token = token_of(stranger)
    before = snapshot(world.app)
    for url in (
        "/followup/meeting",
        "/followup/code",
        "/followup/minutes/approve",
        "/followup/minutes/correct",
        "/followup/meeting/answer",
    ):
        response = stranger.post(
            url,
            data={
                "csrf_token": token,
                "message": "Ett svar från fel person.",
                "seq": "1",
                "correction": "En rättelse från fel person.",
                "answer": "accept",
            },
        )
        assert response.status_code == 403, url
    # A reply without a case asks for the code that would open one (issue 17): nothing else.
    asked = stranger.post(
        "/followup/reply", data={"csrf_token": token, "message": "Ett svar från fel person."}
    )
    assert asked.status_code == 400 and 'name="code"' in asked.get_data(as_text=True)
    assert REPORT_TEXT not in asked.get_data(as_text=True)
    assert_nothing_stored(world.app, before, "reporter posts without a case")


def test_a_session_cookie_opens_only_with_its_own_key(world: World) -> None:
    mine = world.client("reporter").get_cookie(COOKIE_NAME)
    theirs = world.client("other_reporter").get_cookie(COOKIE_NAME)
    assert mine is not None and theirs is not None
    mixed = world.fresh_client()
    mixed.set_cookie(COOKIE_NAME, mine.value.split(".")[0] + "." + theirs.value.split(".")[1])
    response = mixed.get("/followup/case")
    assert response.status_code == 302 and REPORT_TEXT not in response.get_data(as_text=True)


def test_secrets_shown_once_stay_with_the_session_they_were_shown_to(world: World) -> None:
    reporter = world.fresh_client()
    assert submit(reporter, description="En ny anmälan för att få ett kvitto.").status_code == 303
    code = receipt_code(reporter)
    writer = world.fresh_client()
    writer.post("/forum/code/new", data={"csrf_token": token_of(writer)})
    forum_code = re.search(
        r"data-receipt-code>([0-9A-Z-]+)<", writer.get("/forum/code/receipt").get_data(as_text=True)
    )
    assert forum_code
    admin = world.client("admin")
    admin.post(
        "/moderation/users/new",
        data={
            "csrf_token": token_of(admin),
            "username": "nyperson",
            "role": "moderator",
            "password": "purple kettles hum beside quiet harbours",
            "confirm": "purple kettles hum beside quiet harbours",
        },
    )
    second_admin = world.fresh_client()
    assert (
        AuthActions(second_admin)
        .login(make_account(world.app, "admin2", Role.ADMIN, organisation_id=1))
        .status_code
        == 302
    )
    for client in (
        world.fresh_client(),
        world.client("other_reporter"),
        world.client("other_writer"),
        second_admin,
    ):
        for url in (
            "/report/receipt",
            "/report/receipt/print",
            "/forum/code/receipt",
            "/setup/recovery",
            "/moderation/users/invitation",
            "/moderation/recovery-key/new",
        ):
            body = client.get(url).get_data(as_text=True)
            assert code not in body and forum_code.group(1) not in body, url
            assert "otpauth" not in body and 'class="secret"' not in body, url
    assert code in reporter.get("/report/receipt").get_data(as_text=True)  # the control


def test_forum_writers_see_only_their_own_unpublished_posts(world: World) -> None:
    writer, other = world.client("writer"), world.client("other_writer")
    pending_thread = world.pending_thread_url
    assert writer.get(pending_thread).status_code == 200
    for reader in (other, world.fresh_client(), world.client("reporter")):
        assert reader.get(pending_thread).status_code == 404
        thread = reader.get(world.thread_url).get_data(as_text=True)
        assert "väntar på en moderator" not in thread  # the writer's pending reply
        assert reader.get(f"{world.thread_url}/2/flag").status_code == 404  # the pending reply
        assert reader.get(f"{world.rejected_thread_url}/1/flag").status_code == 404
    assert "väntar på en moderator" in writer.get(world.thread_url).get_data(as_text=True)
    mine, theirs = (
        writer.get("/forum/mine").get_data(as_text=True),
        other.get("/forum/mine").get_data(as_text=True),
    )
    assert "Kan peka ut en kollega." in theirs and "Kan peka ut en kollega." not in mine
    assert "Väntande tråd" in mine and "Väntande tråd" not in theirs
    assert world.fresh_client().get("/forum/mine").status_code == 302


def test_a_hidden_thread_takes_no_replies(world: World) -> None:
    admin = world.client("admin")
    assert (
        admin.post(
            f"/moderation/forum/threads/{world.thread_id}/hide", data={"csrf_token": token_of(admin)}
        ).status_code
        == 303
    )
    writer = world.client("writer")
    before = snapshot(world.app)
    response = writer.post(
        f"{world.thread_url}/reply",
        data={"csrf_token": token_of(writer), "body": "Ett svar i en dold tråd.", "action": "send"},
    )
    assert response.status_code == 404
    assert writer.get(world.thread_url).status_code == 404
    assert world.fresh_client().get(f"/forum/{SLUG}").status_code == 200
    assert_nothing_stored(world.app, before, "reply to a hidden thread")
