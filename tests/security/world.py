"""A portal with one of everything, for the attack tests that visit every route.

Two reports (each with a file and a dialogue), two forum writers with codes (published, pending
and refused posts), an admin, a moderator holding the organisation key, one without it, a
quick-reply template, a label and a watched word. Every actor is a logged-in test client with
an address of its own, so per-address limits of one never count against another.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import create_app, dispose
from portal.accounts import service as accounts
from portal.config import Config
from portal.db import Base
from portal.forum import moderation as forum_moderation
from portal.forum.models import Board, Post, WatchedWord, WordAction
from portal.models import Attachment, ReplyTemplate, Report, Role, User
from portal.organisations import FIRST_SLUG
from portal.security.csrf import COOKIE_NAME as CSRF_COOKIE
from tests.accounts import Account, AuthActions, grant, make_account
from tests.csrf import csrf_from
from tests.forum_helpers import SLUG, new_thread, reply, seed, take_code
from tests.reporting_helpers import keep_out, moderator_answers, open_with_code, report_and_get_code
from tests.scratch_backend import scratch_postgres
from tests.settings import CHEAP_KDF, CLIENT_ADDRESS, PG_URL, REDIS_URL

# TEST-NET addresses: the main actors share CLIENT_ADDRESS (the at-rest tests look for it).
OTHER_ADDRESSES = {
    "other_reporter": "198.51.100.11",
    "writer": "198.51.100.12",
    "other_writer": "198.51.100.13",
    "moderator": "198.51.100.14",
    "no_key": "198.51.100.15",
}
ALL_ADDRESSES = (CLIENT_ADDRESS, *OTHER_ADDRESSES.values())
REPORT_TEXT = "Min chef pressade mig att bevilja ett bistånd som inte uppfyllde villkoren."
OTHER_REPORT_TEXT = "En grupp anhöriga filmade mig och lade ut filmen på sociala medier."


@dataclass
class World:
    app: Flask
    admin: Account
    moderator: Account  # role moderator, holds the organisation key
    no_key: Account  # role moderator, never granted access to cases
    excluded: Account  # role moderator, granted, but kept out of report_id by the admin
    clients: dict[str, FlaskClient]
    report_id: int
    other_report_id: int
    file_id: int
    other_file_id: int
    code: str
    other_code: str
    forum_code: str
    other_forum_code: str
    thread_id: int  # published, started by the writer
    post_id: int  # the writer's published first post
    pending_post_id: int  # the writer's reply, waiting for a moderator
    pending_thread_id: int  # a thread whose only post is still pending
    rejected_post_id: int
    # Public URLs name threads by token and posts by their number in the thread (issue 13 item 8).
    thread_url: str  # /forum/t/<token> of thread_id
    pending_thread_url: str
    rejected_thread_url: str  # the thread whose only post was refused
    board_id: int
    word_id: int
    template_id: int
    moderator_id: int
    no_key_id: int
    excluded_id: int

    def client(self, who: str) -> FlaskClient:
        return self.clients[who]

    def fresh_client(self, address: str = CLIENT_ADDRESS, language: str = "en") -> FlaskClient:
        fresh = self.app.test_client()
        fresh.environ_base["REMOTE_ADDR"] = address
        fresh.set_cookie("lang", language)
        return fresh

    def url_values(self) -> dict[str, int | str]:
        """A real object for every kind of id a route takes (unknown kinds fail loudly)."""
        return {
            "report_id": self.report_id,
            "file_id": self.file_id,
            "user_id": self.moderator_id,
            "template_id": self.template_id,
            "post_id": self.pending_post_id,
            "thread_id": self.thread_id,
            "token": self.thread_url.rsplit("/", 1)[1],
            "number": 1,
            "board_id": self.board_id,
            "word_id": self.word_id,
            "slug": SLUG,
            "filename": "portal.css",
            "language": "en",
            "organisation_id": 1,
            "link_id": 1,
            "mask_id": 1,
        }

    def url_for_rule(self, rule: str) -> str:
        # The reporter's pages under /o/<slug> take an organisation's slug, not a board's.
        values = {**self.url_values(), **({"slug": FIRST_SLUG} if rule.startswith("/o/") else {})}

        def value(match: re.Match[str]) -> str:
            name = match.group(1).split(":")[-1]
            assert name in values, f"no test value for <{name}> in {rule}: add one to World.url_values"
            return str(values[name])

        return re.sub(r"<([^>]+)>", value, rule)


_tokens: dict[tuple[int, str], str] = {}


def token_of(client: FlaskClient) -> str:
    """The client's CSRF token, fetched once per browser: it belongs to the CSRF cookie, which
    outlives log-ins and log-outs (portal/security/csrf.py), not to a session."""
    cookie = client.get_cookie(CSRF_COOKIE)
    if cookie is not None and (id(client), cookie.value) in _tokens:
        return _tokens[(id(client), cookie.value)]
    token = csrf_from(client.get("/moderation/login").get_data(as_text=True))
    cookie = client.get_cookie(CSRF_COOKIE)
    assert cookie is not None, "showing a form gives the browser its CSRF cookie"
    _tokens[(id(client), cookie.value)] = token
    return token


def backend_params() -> list[Any]:
    """The backends of conftest's ``backend`` fixture, for fixtures of a wider scope."""
    skip = pytest.mark.skip(
        reason="PostgreSQL/Redis run skipped: set PORTAL_TEST_DATABASE_URL and PORTAL_TEST_REDIS_URL"
    )
    return ["sqlite", pytest.param("postgresql", marks=() if PG_URL and REDIS_URL else skip)]


@contextmanager
def module_app(backend: str, instance: Path, **overrides: Any) -> Iterator[Flask]:
    """An app for a whole test module (the ``app`` fixture is per test); same set-up as conftest's."""
    base = Config(
        secret_key="test-secret-" + uuid.uuid4().hex,
        instance_path=instance,
        testing=True,
        **CHEAP_KDF,
    ).replace(**overrides)
    if backend == "sqlite":
        application = create_app(base)
        Base.metadata.create_all(application.extensions["portal.engine"])
        yield application
        dispose(application)
        return
    with scratch_postgres(PG_URL, REDIS_URL) as scratch:
        application = create_app(
            base.replace(
                database_url=scratch.database_url, redis_url=REDIS_URL, redis_prefix=scratch.redis_prefix
            )
        )
        Base.metadata.create_all(application.extensions["portal.engine"])
        yield application
        dispose(application)


def _client(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    client.set_cookie("lang", "en")  # assertions read the English texts
    return client


def _report(app: Flask, client: FlaskClient, text: str, file_text: str) -> str:
    note = io.BytesIO(file_text.encode())
    return report_and_get_code(client, description=text, attachments=[(note, "anteckning.txt")])


def _finish_code(client: FlaskClient) -> None:
    client.post(
        "/forum/code/receipt", data={"csrf_token": csrf_from(client.get("/forum/").get_data(as_text=True))}
    )


def build_world(app: Flask) -> World:
    seed(app)
    engine = app.extensions["portal.engine"]
    admin = make_account(app, "admin", Role.ADMIN)
    moderator = make_account(app, "moderator")
    no_key = make_account(app, "nokey")
    excluded = make_account(app, "excluded")
    operator = make_account(app, "operator", Role.OPERATOR)
    clients = {
        name: _client(app, OTHER_ADDRESSES.get(name, CLIENT_ADDRESS))
        for name in (
            "admin",
            "moderator",
            "no_key",
            "excluded",
            "operator",
            "reporter",
            "other_reporter",
            "writer",
            "other_writer",
        )
    }
    for granted in (moderator, excluded):
        grant(app, granted.username, by=admin)
    code = _report(app, clients["reporter"], REPORT_TEXT, "Anteckning om mötet.")
    other_code = _report(app, clients["other_reporter"], OTHER_REPORT_TEXT, "Skärmbild av inlägget.")
    with Session(engine) as db:
        report_id, other_report_id = db.scalars(select(Report.id).order_by(Report.id)).all()
        file_id, other_file_id = db.scalars(select(Attachment.id).order_by(Attachment.id)).all()
        admin_user = accounts.find(db, admin.username)
        admin_id = admin_user.id
        moderator_id, no_key_id, excluded_id = (
            accounts.find(db, account.username).id for account in (moderator, no_key, excluded)
        )
        template = ReplyTemplate(
            organisation_id=1, language="sv", title="Mottagen", body="Tack, vi har tagit emot din anmälan."
        )
        word = WatchedWord(organisation_id=1, word="förbjudetord", action=WordAction.REVIEW)
        db.add_all([template, word])
        db.commit()
        template_id, word_id = template.id, word.id
        board_id = db.scalars(select(Board.id).where(Board.slug == SLUG)).one()
    keep_out(app, admin, report_id, excluded_id)
    moderator_answers(app, admin, report_id, "Tack för din anmälan, vi återkommer.")
    moderator_answers(app, admin, other_report_id, "Vi har tagit emot anmälan.")
    for name, the_code in (("reporter", code), ("other_reporter", other_code)):
        assert open_with_code(clients[name], the_code).status_code == 303
    writer, other_writer = clients["writer"], clients["other_writer"]
    forum_code, other_forum_code = take_code(writer), take_code(other_writer)
    _finish_code(writer)
    _finish_code(other_writer)
    new_thread(writer, "Efter mötet", "Det var tungt efter mötet, men kollegorna stöttade mig.")
    new_thread(writer, "Väntande tråd", "Den här tråden väntar fortfarande på en moderator.")
    new_thread(other_writer, "Refuserad", "Det här inlägget kommer inte att publiceras alls.")
    with Session(engine) as db:
        first, pending_first, refused = db.scalars(select(Post).order_by(Post.id)).all()
        thread_id, pending_thread_id = first.thread_id, pending_first.thread_id
        post_id, pending_thread_post, rejected_post_id = first.id, pending_first.id, refused.id
        thread_url, pending_thread_url, rejected_thread_url = (
            f"/forum/t/{post.thread.token}" for post in (first, pending_first, refused)
        )
        actor = db.get(User, admin_id)
        forum_moderation.approve(db, post_id, actor)
        forum_moderation.reject(db, rejected_post_id, "Kan peka ut en kollega.", actor)
        db.commit()
    del pending_thread_post
    reply(writer, thread_id, "Ett svar som väntar på en moderator.")
    with Session(engine) as db:
        pending_post_id = db.scalars(select(Post.id).order_by(Post.id.desc())).first()
    assert pending_post_id is not None
    for name, account in (
        ("admin", admin),
        ("moderator", moderator),
        ("no_key", no_key),
        ("excluded", excluded),
        ("operator", operator),
    ):
        assert AuthActions(clients[name]).login(account).status_code == 302
    return World(
        app=app,
        admin=admin,
        moderator=moderator,
        no_key=no_key,
        excluded=excluded,
        clients=clients,
        report_id=report_id,
        other_report_id=other_report_id,
        file_id=file_id,
        other_file_id=other_file_id,
        code=code,
        other_code=other_code,
        forum_code=forum_code,
        other_forum_code=other_forum_code,
        thread_id=thread_id,
        post_id=post_id,
        pending_post_id=pending_post_id,
        pending_thread_id=pending_thread_id,
        rejected_post_id=rejected_post_id,
        thread_url=thread_url,
        pending_thread_url=pending_thread_url,
        rejected_thread_url=rejected_thread_url,
        board_id=board_id,
        word_id=word_id,
        template_id=template_id,
        moderator_id=moderator_id,
        no_key_id=no_key_id,
        excluded_id=excluded_id,
    )
