"""The admin pages: accounts, the read-only audit log and quick-reply templates."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.accounts import service as accounts
from portal.audit import Event
from portal.domain import today
from portal.models import AuditEvent, CaseKey, ReplyTemplate, User
from tests.accounts import PASSWORD, Account, AccountFactory, AuthActions
from tests.csrf import get_csrf
from tests.moderation_helpers import events

NEW_PASSWORD = "purple kettles hum beside quiet harbours"
PASSWORDS = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
SECRET_TEXT = "Chefen sa att bygglovet skulle gå igenom om jag teg om mötet."
NEW_USER = {"username": "maria", "role": "moderator", **PASSWORDS}
# Time, who, the event in words, and what it is about: its words and the stored subject.
ROW_RE = re.compile(
    r"<tr>\s*<td[^>]*><time[^>]*>[^<]*</time></td>\s*<td[^>]*>([^<]*)</td>\s*"
    r'<td[^>]*class="audit-event">([^<]*)</td>\s*<td[^>]*class="audit-about">(.*?)</td>',
    re.S,
)
CODE_RE = re.compile(r"<code>([^<]*)</code>")


def _rows_of(page: str) -> list[tuple[str, str, str]]:
    """(who, event in words, stored subject or "–") of every row of an audit page."""
    rows = []
    for actor, words, about in ROW_RE.findall(page):
        code = CODE_RE.search(about)
        rows.append(
            (html.unescape(actor), html.unescape(words), html.unescape(code.group(1)) if code else "–")
        )
    return rows


def _db(app: Flask) -> Session:
    return Session(app.extensions["portal.engine"])


def _user(app: Flask, name: str) -> User:
    with _db(app) as db:
        user = accounts.find(db, name)
        db.expunge(user)
        return user


def _log_in(client: FlaskClient, account: Account) -> FlaskClient:
    client.set_cookie("lang", "en")  # assertions read the English texts, whatever the catalogue holds
    assert AuthActions(client).login(account).status_code == 302
    return client


def _post(
    client: FlaskClient, url: str, data: dict[str, str] | None = None, page: str = "/moderation/"
) -> str:
    """POST with a fresh CSRF token; the answer as "<status> <body>" so tests can read both at once."""
    response = client.post(url, data={"csrf_token": get_csrf(client, page), **(data or {})})
    return f"{response.status_code} {response.get_data(as_text=True)}"


def _text(client: FlaskClient, url: str) -> str:
    return client.get(url, follow_redirects=True).get_data(as_text=True)


def _summary(page: str) -> str:
    """The error summary (role=alert) of a refused form: where the reason must be announced."""
    match = re.search(r'<div class="error-summary" role="alert".*?</div>', page, re.S)
    return match.group(0) if match else ""


def _waiting(client: FlaskClient) -> str:
    return _text(client, "/moderation/users").split('id="accounts-heading"')[0]


def _case_keys_of(app: Flask, user_id: int) -> list[int]:
    """The reports the user holds a case key for."""
    with _db(app) as db:
        return list(db.scalars(select(CaseKey.report_id).where(CaseKey.user_id == user_id)))


def _secret(page: str) -> str:
    match = re.search(r'<code class="secret" data-secret="([A-Z2-7]{16,})">', page)
    assert match, "no TOTP secret on the page"
    return match.group(1)


def _audit_rows(client: FlaskClient, query: str = "") -> list[tuple[str, str, str]]:
    response = client.get("/moderation/audit" + query)
    assert response.status_code == 200, response.status_code
    return _rows_of(response.get_data(as_text=True))


def test_disabled_user_is_logged_out_at_once(
    app: Flask, client: FlaskClient, admin: Account, moderator: AccountFactory
) -> None:
    mo = moderator("mo")
    mo_client = app.test_client()
    assert AuthActions(mo_client).login(mo).status_code == 302
    assert mo_client.get("/moderation/").status_code == 200
    _log_in(client, admin)
    assert _post(client, f"/moderation/users/{_user(app, 'mo').id}/disable").startswith("303")
    bounced = mo_client.get("/moderation/")
    assert bounced.status_code == 302 and bounced.location.endswith("/moderation/login")
    assert AuthActions(mo_client).login(mo).status_code == 401
    assert not _user(app, "mo").active


def test_admin_cannot_disable_or_reset_themselves(app: Flask, client: FlaskClient, admin: Account) -> None:
    _log_in(client, admin)
    admin_id = _user(app, "admin").id
    disabled = _post(client, f"/moderation/users/{admin_id}/disable")
    assert disabled.startswith("400") and "cannot disable your own account" in disabled
    url = f"/moderation/users/{admin_id}/reset"
    assert "cannot reset your own account" in client.get(url).get_data(as_text=True)
    reset = _post(client, url)
    assert reset.startswith("400") and "cannot reset your own account" in reset
    me = _user(app, "admin")
    assert me.active and me.has_org_key
    assert not {"user:account:disabled", "user:account:reset"} & set(events(app, f"user:{admin_id}"))


def test_notify_email_is_validated_and_audited(
    app: Flask, client: FlaskClient, admin: Account, moderator: AccountFactory
) -> None:
    moderator("mo")
    mo_id = _user(app, "mo").id
    _log_in(client, admin)
    url, name = f"/moderation/users/{mo_id}/notify", f"u{mo_id}-email"
    token = get_csrf(client, "/moderation/users")

    def send(value: str) -> int:
        return client.post(url, data={name: value, f"u{mo_id}-csrf_token": token}).status_code

    assert send("  mo@example.se ") == 303
    assert _user(app, "mo").notify_email == "mo@example.se"
    for bad in [
        "not-an-address",
        "mo@localhost",
        "mo @example.se",
        "<b>@example.se",
        "a" * 250 + "@example.se",
    ]:
        assert send(bad) == 400, bad
    page = client.post(url, data={name: "nope", f"u{mo_id}-csrf_token": token}).get_data(as_text=True)
    assert "e-mail address such as" in _summary(page)
    assert _user(app, "mo").notify_email == "mo@example.se"
    assert send("") == 303
    assert _user(app, "mo").notify_email is None
    assert events(app, f"user:{mo_id}").count("user:account:changed") == 2
    assert (
        client.post("/moderation/users/99999999999999999999/notify", data={"csrf_token": token}).status_code
        == 404
    )


def test_moderator_gets_403_on_every_admin_page(
    app: Flask, client: FlaskClient, admin: Account, moderator: AccountFactory, auth: AuthActions
) -> None:
    with _db(app) as db:
        db.add(ReplyTemplate(organisation_id=1, language="sv", title="Tack", body="Tack för din rapport."))
        db.commit()
    admin_id = _user(app, "admin").id
    mo = moderator("mo")
    client.set_cookie("lang", "en")
    assert auth.login(mo).status_code == 302
    dashboard = client.get("/moderation/").get_data(as_text=True)
    assert not re.search(r'href="/moderation/(users|audit|templates)"', dashboard)
    token = get_csrf(client, "/moderation/")
    gets = ["users", "users/new", f"users/{admin_id}/reset", "users/invitation"]
    gets += ["audit", "templates", "templates/new", "templates/1/edit"]
    for path in gets:
        assert client.get("/moderation/" + path).status_code == 403, path
    data = {
        "csrf_token": token,
        "username": "x",
        "role": "admin",
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
    }
    data |= {"language": "en", "title": "T", "body": "B", "confirm": "y", f"u{admin_id}-email": "a@b.se"}
    posts = [f"users/{admin_id}/{action}" for action in ("disable", "reset", "access", "notify")]
    posts += ["users/new", "templates/new", "templates/1/edit", "templates/1/delete"]
    for path in posts:
        assert client.post("/moderation/" + path, data=data).status_code == 403, path
    with _db(app) as db:
        assert [t.title for t in db.scalars(select(ReplyTemplate))] == ["Tack"]
        assert db.scalar(select(func.count()).select_from(User)) == 2
    assert _user(app, "admin").active


def test_audit_page_lists_and_filters(
    app: Flask, client: FlaskClient, admin: Account, moderator: AccountFactory
) -> None:
    mo = moderator("mo")
    _log_in(client, admin)
    other = app.test_client()
    assert AuthActions(other).login(mo).status_code == 302
    assert AuthActions(other).login(mo, password="wrong passphrase here").status_code == 401
    assert AuthActions(other).login(Account("ghost", PASSWORD, "A" * 32, None)).status_code == 401
    admin_id, mo_id = _user(app, "admin").id, _user(app, "mo").id
    with _db(app) as db:
        db.add_all(
            [
                AuditEvent(organisation_id=1, event=Event.CASE_VIEWED, actor_id=admin_id, subject=s)
                for s in ("case:12", "case:120")
            ]
        )
        db.commit()
    rows = _audit_rows(client)
    assert rows[0] == ("admin", "Case read", "case:120")  # newest first
    assert ("admin", "Logged in", f"user:{admin_id}") in rows
    assert ("mo", "Log-in refused", f"user:{mo_id}") in rows

    auth = _audit_rows(client, "?area=auth")
    assert len(auth) == 4 and {e for _, e, _ in auth} == {"Logged in", "Log-in refused"}
    assert {e for _, e, _ in _audit_rows(client, "?area=case")} == {"Case read"}
    assert len(_audit_rows(client, "?event=auth:login:failed")) == 2
    by_mo = _audit_rows(client, f"?actor={mo_id}")
    assert by_mo and all(a == "mo" for a, _, _ in by_mo)
    assert _audit_rows(client, "?actor=0") == [("–", "Log-in refused", "–")]  # the unknown name
    assert _audit_rows(client, "?subject=case:12") == [("admin", "Case read", "case:12")]
    assert len(_audit_rows(client, f"?date_from={today().isoformat()}")) == len(rows)
    yesterday = (today() - dt.timedelta(days=1)).isoformat()
    assert _audit_rows(client, f"?date_to={yesterday}") == []


@pytest.mark.parametrize(
    "query",
    [
        "?area=nope",
        "?event=auth:everything",
        "?actor=abc",
        "?date_from=2024-13-45",
        "?date_from=0001-01-01&date_to=9999-12-31",
        "?date_from=2025-05-02&date_to=2025-05-01",
        "?before=xyz",
        "?before=99999999999999999999",
        "?subject=" + "x" * 100,
    ],
)
def test_audit_page_ignores_bad_filters(client: FlaskClient, admin: Account, query: str) -> None:
    _log_in(client, admin)
    everything = _audit_rows(client)
    response = client.get("/moderation/audit" + query)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    if "before" not in query:
        assert "These filters were not used" in page
    assert _audit_rows(client, query) == everything


def test_audit_page_pages_with_a_cursor(app: Flask, client: FlaskClient, admin: Account) -> None:
    with _db(app) as db:
        db.add_all(
            [AuditEvent(organisation_id=1, event=Event.CASE_VIEWED, subject=f"case:{n}") for n in range(120)]
        )
        db.commit()
    _log_in(client, admin)
    seen: list[str] = []
    url: str | None = "/moderation/audit?area=case"
    while url:
        page = client.get(url).get_data(as_text=True)
        seen += [subject for _, _, subject in _rows_of(page)]
        match = re.search(r'href="([^"]+)" rel="next"', page)
        url = html.unescape(match.group(1)) if match else None
        assert url is None or "area=case" in url  # the filters travel with the cursor
        assert len(seen) <= 120
    assert seen == [f"case:{n}" for n in reversed(range(120))]


def test_templates_crud(app: Flask, client: FlaskClient, admin: Account) -> None:
    _log_in(client, admin)
    page = "/moderation/templates/new"
    good = {"language": "sv", "title": "T" * 80, "body": "Tack för din rapport.\nVi hör av oss."}
    for bad in ({"title": "T" * 81}, {"body": ""}, {"language": "de"}, {"body": "nul\x00byte"}):
        assert _post(client, page, {**good, **bad}, page=page).startswith("400"), bad
    assert _post(client, page, good, page=page).startswith("303")
    with _db(app) as db:
        template = db.scalars(select(ReplyTemplate)).one()
        assert (template.language, template.body) == ("sv", good["body"])
    listing = client.get("/moderation/templates").get_data(as_text=True)
    assert "T" * 80 in listing.split('id="lang-en"')[0]
    edit = f"/moderation/templates/{template.id}/edit"
    assert _post(
        client, edit, {"language": "en", "title": "Thanks", "body": "Thank you."}, page=edit
    ).startswith("303")
    with _db(app) as db:
        changed = db.get(ReplyTemplate, template.id)
        assert changed and (changed.language, changed.title, changed.body) == ("en", "Thanks", "Thank you.")
    delete = f"/moderation/templates/{template.id}/delete"
    unconfirmed = _post(client, delete, page=edit)
    assert unconfirmed.startswith("400") and "Tick the box" in unconfirmed
    assert _post(client, delete, {"confirm": "y"}, page=edit).startswith("303")
    with _db(app) as db:
        assert db.get(ReplyTemplate, template.id) is None
    assert client.get(edit).status_code == 404
    assert events(app, f"template:{template.id}") == ["admin:template:changed"] * 3


def test_no_page_edits_or_deletes_audit_events(app: Flask, client: FlaskClient, admin: Account) -> None:
    audit_rules = [r for r in app.url_map.iter_rules() if "audit" in r.rule or "audit" in r.endpoint]
    assert audit_rules, "the audit page is missing"
    for rule in audit_rules:
        assert set(rule.methods or ()) <= {"GET", "HEAD", "OPTIONS"}, rule.rule
    _log_in(client, admin)
    page = client.get("/moderation/audit").get_data(as_text=True)
    assert page.count('method="post"') == 1  # log-out only
