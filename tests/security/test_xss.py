"""XSS at HTTP level: the OWASP cheat-sheet payloads in every text field of every form.

Each field gets every payload twice: once refused (the form shows what was typed again) and once
stored (every page that shows the value afterwards). Each page is parsed with html.parser and must
be inert (tests/security/html_inspection.py). The portal has no script at all, so any <script>
is a finding. Whether a browser runs anything is checked in tests/browser; this is the HTTP half.
"""

from __future__ import annotations

import io
import itertools
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.forum import moderation as forum_moderation
from portal.forum.models import Board, Post
from portal.models import ReplyTemplate, Report, User
from portal.moderation.cases.service import LABEL_MAX
from tests.forum_helpers import SLUG
from tests.moderation_helpers import version_of
from tests.reporting_helpers import open_with_code, receipt_code, submit
from tests.security.html_inspection import TEMPLATES, assert_inert, problems
from tests.security.world import World, token_of


@pytest.fixture
def world(shared_world: World) -> World:
    """One world per backend for this module: its tests only read, or add without undoing."""
    return shared_world


# From the OWASP XSS Filter Evasion Cheat Sheet (and its polyglot), plus attribute break-outs,
# mutation-XSS shapes and template-injection probes.
PAYLOADS = [
    "<SCRIPT SRC=https://cdn.jsdelivr.net/gh/Moksh45/host-xss.rocks/index.js></SCRIPT>",
    "javascript:/*--></title></style></textarea></script></xmp><svg/onload='+/\"/+/onmouseover=1/+/[*/[]/+alert(42);//'>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    '<a onmouseover="alert(document.cookie)">xxs link</a>',
    '<IMG """><SCRIPT>alert("XSS")</SCRIPT>"\\>',
    '<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>',
    '<img src=x onerror="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041">',
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
    "<IMG SRC=\"jav\tascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">",
    '<SCRIPT/XSS SRC="http://xss.rocks/xss.js"></SCRIPT>',
    '<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert("XSS")>',
    '<<SCRIPT>alert("XSS");//\\<</SCRIPT>',
    "<SCRIPT SRC=http://xss.rocks/xss.js?< B >",
    '</TITLE><SCRIPT>alert("XSS");</SCRIPT>',
    '<INPUT TYPE="IMAGE" SRC="javascript:alert(\'XSS\');">',
    "<svg/onload=alert('XSS')>",
    "<IFRAME SRC=\"javascript:alert('XSS');\"></IFRAME>",
    "<TABLE BACKGROUND=\"javascript:alert('XSS')\">",
    "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">",
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert(\'XSS\');">',
    '<OBJECT TYPE="text/x-scriptlet" DATA="http://xss.rocks/scriptlet.html"></OBJECT>',
    '<LINK REL="stylesheet" HREF="javascript:alert(\'XSS\');">',
    "<BASE HREF=\"javascript:alert('XSS');//\">",
    '<a href="javascript&colon;alert(1)">x</a>',
    '"><script>alert(1)</script>',
    "' onfocus='alert(1)' autofocus='",
    '" onfocus="alert(1)" autofocus="',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '<!--<img src="--><img src=x onerror=alert(1)//">',
    "Ring 070-123 45 67 <b onmouseover=alert(1)>nu</b>",  # inside an identification warning (<mark>)
    "{{ config }} {{7*7}} ${7*7} <%= 7*7 %>",
]
STATIC = TEMPLATES.parent / "portal" / "static"
JOINED = "XSS-test:\n" + "\n".join(PAYLOADS)
_addresses = itertools.count(1)


def _fitting(limit: int) -> list[str]:
    return [p for p in PAYLOADS if len(p) <= limit]


def _chunks(limit: int, separator: str = "\n") -> list[str]:
    """The payloads joined into as few values of at most ``limit`` characters as possible."""
    chunks: list[str] = []
    for payload in _fitting(limit):
        if chunks and len(chunks[-1]) + len(separator) + len(payload) <= limit:
            chunks[-1] += separator + payload
        else:
            chunks.append(payload)
    return chunks


def _rotate(client: FlaskClient) -> FlaskClient:
    """A new address for the next request: per-address limits must not end the test early."""
    n = next(_addresses)
    client.environ_base["REMOTE_ADDR"] = f"10.200.{n // 256 % 256}.{n % 256}"
    return client


def _post(client: FlaskClient, url: str, expected: int | tuple[int, ...], **data: Any) -> str:
    response = _rotate(client).post(url, data={"csrf_token": token_of(client), **data})
    allowed = expected if isinstance(expected, tuple) else (expected,)
    assert response.status_code in allowed, (url, response.status_code, response.get_data(as_text=True)[:500])
    return response.get_data(as_text=True)


def _page(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def _case_form(client: FlaskClient, world: World, action: str, expected: int, **data: Any) -> str:
    html = _page(client, f"/moderation/cases/{world.report_id}")
    return _post(
        client, f"/moderation/cases/{world.report_id}/{action}", expected, version=version_of(html), **data
    )


def test_reporter_fields(world: World) -> None:
    admin = world.client("admin")
    reporter = _rotate(world.fresh_client())
    refused = submit(reporter, description=JOINED, website=JOINED)  # the honeypot refuses it
    assert refused.status_code == 400
    assert_inert(refused.get_data(as_text=True), PAYLOADS, "refused report")
    names = [(io.BytesIO(b"Anteckning."), f"{p[:80]}.txt") for p in PAYLOADS[:5]]
    assert submit(_rotate(reporter), description=JOINED, attachments=names).status_code == 303
    code = receipt_code(reporter)
    assert_inert(_page(reporter, "/report/receipt"), [], "receipt")
    assert open_with_code(_rotate(reporter), code).status_code == 303
    assert_inert(_page(reporter, "/followup/case"), PAYLOADS, "reporter's case page")
    refused_reply = _post(reporter, "/followup/reply", 400, message=JOINED + "\x00")  # a NUL character
    assert_inert(refused_reply, PAYLOADS, "refused reply")
    _post(reporter, "/followup/reply", 303, message=JOINED)
    assert_inert(_page(reporter, "/followup/case"), PAYLOADS, "reporter's case page with reply")
    with Session(world.app.extensions["portal.engine"]) as db:
        report_id = db.scalars(select(Report.id).order_by(Report.id.desc())).first()
    case = _page(admin, f"/moderation/cases/{report_id}")
    assert_inert(case, PAYLOADS, "moderator's case page")
    assert_inert(case, [name for _, name in names], "file names on the case page", shown=False)
    for file_id in re.findall(rf"/moderation/cases/{report_id}/files/(\d+)", case):
        download = admin.get(f"/moderation/cases/{report_id}/files/{file_id}")
        disposition = download.headers["Content-Disposition"]
        assert download.status_code == 200 and "\n" not in disposition and "\r" not in disposition
        assert download.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    for payload in _fitting(64):
        page = _post(world.fresh_client(), "/followup", (400, 401), code=payload)
        assert_inert(page, [payload], "code form", shown=False)


def test_moderator_case_fields(world: World) -> None:
    admin, reporter = world.client("admin"), world.client("reporter")
    for action, field in (("message", "message"), ("note", "note")):
        refused = _case_form(admin, world, action, 400, **{field: JOINED + "\x00"})
        assert_inert(refused, PAYLOADS, f"refused {action}")
        _case_form(admin, world, action, 303, **{field: JOINED})
    assert_inert(
        _page(admin, f"/moderation/cases/{world.report_id}"), PAYLOADS, "case page with message and note"
    )
    assert_inert(_page(reporter, "/followup/case"), PAYLOADS, "reporter reads the moderator's message")
    for chunk in _chunks(400, separator=","):
        _case_form(admin, world, "labels", 303, labels=chunk)
        labels = [name.strip()[:LABEL_MAX] for name in chunk.split(",") if name.strip()]  # as stored
        for url in (f"/moderation/cases/{world.report_id}", "/moderation/cases"):
            assert_inert(_page(admin, url), labels, f"labels on {url}")
    for action, data in (  # choices: a refused value is not shown again, but must not break the page
        ("status", {"status": JOINED, "outcome": JOINED}),
        ("classify", {"kind": JOINED, "category": JOINED, "area": JOINED}),
        ("assign", {"assignee": JOINED}),
    ):
        assert_inert(
            _case_form(admin, world, action, 400, **data), PAYLOADS, f"refused {action}", shown=False
        )
    refused_labels = _case_form(admin, world, "labels", 400, labels=_chunks(399)[0] + "\x00")
    assert_inert(refused_labels, _chunks(399)[:1], "refused labels")
    queue = admin.get(
        "/moderation/cases",
        query_string={
            k: JOINED for k in ("status", "kind", "label", "assignee", "due", "sort", "after", "awaiting")
        },
    )
    assert queue.status_code == 200
    assert_inert(queue.get_data(as_text=True), PAYLOADS, "queue filters", shown=False)


def test_admin_fields(world: World) -> None:
    admin = world.client("admin")
    login = world.fresh_client()
    for payload in _fitting(64):
        page = _post(
            login, "/moderation/login", (400, 401), username=payload, password="wrong", totp="123456"
        )
        assert_inert(page, [payload], "log-in form")
        page = _post(
            admin,
            "/moderation/users/new",
            400,
            username=payload,
            role=payload,
            password=payload,
            confirm=payload,
            notify_email=payload,
        )
        assert_inert(page, [payload], "new user form", shown=False)
        page = _post(
            admin,
            f"/moderation/users/{world.moderator_id}/notify",
            400,
            **{f"u{world.moderator_id}-email": payload},
        )
        assert_inert(page, [payload], "notice address form")
        audit = admin.get(
            "/moderation/audit",
            query_string={"subject": payload, "area": payload, "actor": payload, "date_from": payload},
        )
        assert_inert(audit.get_data(as_text=True), [payload], "audit filters")
        stats = admin.get(
            "/moderation/stats", query_string={"date_from": payload, "date_to": payload, "period": payload}
        )
        assert_inert(stats.get_data(as_text=True), [payload], "statistics filters", shown=False)
    for title in _fitting(80):
        _post(admin, "/moderation/templates/new", 303, language="sv", title=title, body=JOINED)
    assert_inert(
        _post(admin, "/moderation/templates/new", 400, language="xx", title=PAYLOADS[0][:80], body=JOINED),
        PAYLOADS,
        "refused template",
    )
    assert_inert(_page(admin, "/moderation/templates"), _fitting(80), "templates page")
    with Session(world.app.extensions["portal.engine"]) as db:
        template_ids = list(db.scalars(select(ReplyTemplate.id).where(ReplyTemplate.body == JOINED)))
    assert len(template_ids) == len(_fitting(80))
    assert_inert(_page(admin, f"/moderation/templates/{template_ids[0]}/edit"), PAYLOADS, "template editor")
    case = _page(admin, f"/moderation/cases/{world.report_id}?template={template_ids[0]}")
    assert_inert(case, PAYLOADS + _fitting(80), "case page with a quick reply")
    password = _post(admin, "/moderation/account/password", 400, current=JOINED, new=JOINED, confirm="x")
    assert_inert(password, PAYLOADS, "password form", shown=False)


def _approve_everything(world: World) -> None:
    with Session(world.app.extensions["portal.engine"]) as db:
        actor = db.get(User, 1)
        for post_id in db.scalars(select(Post.id).where(Post.status == "pending")):
            forum_moderation.approve(db, post_id, actor)
        db.commit()


def test_forum_fields(world: World) -> None:
    admin, writer = world.client("admin"), world.client("writer")
    new = f"/forum/{SLUG}/new"
    assert_inert(
        _post(writer, new, 400, title=JOINED, body=JOINED + "\x00", action="send"), PAYLOADS, "refused thread"
    )
    checked = _post(
        writer, new, 200, title=PAYLOADS[-2], body=JOINED, action="check"
    )  # identification warning
    assert "<mark" in checked
    assert_inert(checked, PAYLOADS, "identification check step")
    threads = {world.thread_url}
    for title in _fitting(200):
        posted = _rotate(writer).post(
            new, data={"csrf_token": token_of(writer), "title": title, "body": JOINED, "action": "send"}
        )
        assert posted.status_code == 303, title
        threads.add(urlsplit(posted.location).path)
    _post(writer, f"{world.thread_url}/reply", 303, body=JOINED, action="send")
    assert_inert(_page(admin, "/moderation/forum"), PAYLOADS, "forum moderation queue")
    assert_inert(_page(writer, "/forum/mine"), _fitting(200), "writer's own posts")
    # Replies of their own to refuse: a refused post's text, and a refused first post's title, are
    # blanked (issue 13 item 7), and the titles above are still to be checked on the board page.
    for n, _ in enumerate(_chunks(500)):  # each its own words: the same reply twice is one reply
        _post(
            writer,
            f"{world.thread_url}/reply",
            303,
            body=f"Ett svar som inte publiceras ({n}).",
            action="send",
        )
    with Session(world.app.extensions["portal.engine"]) as db:
        pending = list(
            db.scalars(select(Post.id).where(Post.status == "pending", Post.seq > 1).order_by(Post.id))
        )
    for reason in _chunks(500):
        _post(admin, f"/moderation/forum/posts/{pending.pop()}/reject", 303, reason=reason)
    assert_inert(_page(writer, "/forum/mine"), _chunks(500), "refusal reasons")
    assert_inert(_page(admin, f"/moderation/forum/posts/{world.post_id}/redact"), [], "redact form")
    _post(admin, f"/moderation/forum/posts/{world.post_id}/redact", 303, body=JOINED)
    _approve_everything(world)
    reader = world.fresh_client()
    assert_inert(_page(reader, f"/forum/{SLUG}"), _fitting(200), "board page")
    assert_inert(_page(reader, "/forum/"), [], "forum index")
    for thread_url in threads:
        assert_inert(_page(reader, thread_url), [JOINED.split("\n", 1)[1]], f"thread {thread_url}")
    for payload in _fitting(64):
        assert_inert(
            _post(world.fresh_client(), "/forum/code", (400, 401), code=payload),
            [payload],
            "forum code form",
            shown=False,
        )
        assert_inert(
            _post(reader, f"{world.thread_url}/1/flag", 400, reason=payload),
            [payload],
            "flag form",
            shown=False,
        )


def _rename_board(admin: FlaskClient, board: Board, name: str) -> None:
    prefix = f"board{board.id}"
    fields = {"name_sv": name, "name_en": name, "moderation": "pre", "slow_mode_seconds": "0"}
    _post(
        admin,
        f"/moderation/forum/settings/boards/{board.id}",
        303,
        **{f"{prefix}-{k}": v for k, v in fields.items()},
    )


def test_forum_settings_fields(world: World) -> None:
    admin, writer = world.client("admin"), world.client("writer")
    with Session(world.app.extensions["portal.engine"], expire_on_commit=False) as db:
        boards = list(db.scalars(select(Board).order_by(Board.id)))
    names = _fitting(80)
    for start in range(0, len(names), len(boards)):  # every board gets a payload as its name at once
        shown = dict(zip(boards, names[start : start + len(boards)], strict=False))
        for board, name in shown.items():
            _post(admin, "/moderation/forum/settings/words", 303, word=name, action="review")
            _rename_board(admin, board, name)
        for client, url in ((world.fresh_client(), "/forum/"), (admin, "/moderation/forum/settings")):
            assert_inert(_page(client, url), shown.values(), f"board names on {url}")
        for board, name in shown.items():
            assert_inert(_page(writer, f"/forum/{board.slug}"), [name], f"board page {board.slug}")
            assert_inert(_page(writer, f"/forum/{board.slug}/new"), [name], f"new thread on {board.slug}")
    words = [p.strip().lower() for p in names]
    assert_inert(_page(admin, "/moderation/forum/settings"), words, "watched words")
    refused = _post(
        admin, "/moderation/forum/settings/words", 400, word=JOINED[:79] + "\x00", action=PAYLOADS[0]
    )
    assert_inert(refused, [], "refused watched word")


def test_the_inspection_finds_what_an_unescaped_payload_adds() -> None:
    """The control: each payload written into a page raw is caught (so the checks above can fail)."""
    page = "<!doctype html><html><head><title>t</title></head><body><main><div>{}</div></main></body></html>"
    for payload in PAYLOADS:
        if set("<>\"'") & set(payload):
            assert problems(page.format(payload), [payload]), payload
    assert not problems(page.format("&lt;b&gt;"), ["<b>"])


def test_the_portal_has_no_script_at_all() -> None:
    """Why any <script> in a page counts as injected: no template or static file has one today.

    When moderators get the small optional script DESIGN.md §3 allows, allow exactly its
    ``<script src="/static/...">`` in html_inspection.py and change this test with it.
    """
    assert not [p for p in STATIC.rglob("*") if p.suffix in {".js", ".mjs"}]
    assert not [p for p in TEMPLATES.rglob("*.html") if "<script" in p.read_text().lower()]
