"""Fuzzing every form of the portal: whatever arrives, never a 500 and never a half-stored record.

Each target is one form where it is really used, sent by the actor who can use it (so requests
pass the log-in and CSRF gates and reach validation and the services). Every example comes from
a new client address (per-address limits would otherwise answer 429 before anything is parsed).
A request that is not answered with a redirect must leave every table as it was: the same number
of rows and the same contents (tests/security/rows.py). Every FlaskForm of the portal has a target
(test_every_form_of_the_portal_is_fuzzed), so a new form cannot be forgotten.
"""

from __future__ import annotations

import dataclasses
import importlib
import itertools
import os
import pkgutil
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

import portal
from portal.domain import Outcome, Status, today
from portal.forum import forms as forum_forms
from portal.installation import setup_token
from portal.models import Report
from portal.moderation import forms as moderation_forms
from portal.moderation.admin import forms as admin_forms
from portal.moderation.cases import export_forms, oral_forms
from portal.moderation.cases import forms as case_forms
from portal.moderation.forum import forms as moderation_forum_forms
from portal.moderation.stats import forms as stats_forms
from portal.operator import forms as operator_forms
from portal.reporting import forms as reporting_forms
from portal.setup import forms as setup_forms
from tests.accounts import PASSWORD
from tests.csrf import csrf_from
from tests.reporting_helpers import submit
from tests.security.fuzz_bodies import Body, FieldInfo, bodies, queries
from tests.security.rows import Snapshot, assert_nothing_stored, snapshot
from tests.security.world import REPORT_TEXT, World, backend_params, module_app, token_of

# Werkzeug's parser leaves the file of a multipart part cut off before its boundary unclosed;
# Python closes it when it is collected, with this warning: about the parser, not the portal.
pytestmark = pytest.mark.filterwarnings("ignore:Unclosed file <tempfile.SpooledTemporaryFile:ResourceWarning")
# Per form; raise it for a deeper run (e.g. nightly): PORTAL_TEST_FUZZ_EXAMPLES=300.
EXAMPLES = int(os.environ.get("PORTAL_TEST_FUZZ_EXAMPLES", "30"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
REDIRECTS = {301, 302, 303}
_addresses = itertools.count(1)

Hints = dict[str, Callable[[World], st.SearchStrategy[str]]]


@dataclass(frozen=True)
class Target:
    """A form, where it is posted and by whom."""

    form: type[FlaskForm] | None
    actor: str
    url: Callable[[Any], str]  # given the World (None for the set-up wizard)
    prefix: Callable[[Any], str] = lambda w: ""
    hints: Hints = field(default_factory=dict)  # plausible values that need the world (ids, versions)
    extras: dict[str, st.SearchStrategy[str]] = field(default_factory=dict)  # fields read outside the form
    query_fields: tuple[str, ...] = ()  # a GET filter that is no FlaskForm
    label: str = ""
    prepare: Callable[[FlaskClient], Any] = lambda client: None  # state the form needs first

    @property
    def name(self) -> str:
        if self.label or self.form is None:
            return self.label
        return f"{self.form.__module__.split('.')[-2]}.{self.form.__name__}"


def _case(action: str, report: str = "report_id") -> Callable[[World], str]:
    return lambda w: f"/moderation/cases/{getattr(w, report)}/{action}"


def _version(w: World) -> st.SearchStrategy[str]:
    with Session(w.app.extensions["portal.engine"]) as db:
        row = db.get(Report, w.report_id)
        current = row.version if row else 1
    return st.sampled_from([str(current), str(current), "0", "-1", "x"])


def _close_the_other_case(client: FlaskClient) -> None:
    """Only a closed case's erasure can be postponed: close the world's newest case, as its status
    form would."""
    with Session(client.application.extensions["portal.engine"]) as db:
        row = db.scalars(select(Report).order_by(Report.id.desc())).first()
        assert row is not None
        row.status, row.outcome, row.closed_on, row.due_on = Status.CLOSED, Outcome.NO_ACTION, today(), None
        db.commit()


SEND = {"action": st.sampled_from(["send", "check", "", "delete"])}
SEQ: Hints = {"seq": lambda w: st.sampled_from(["1", "2", "0", "-1", "99999999999999999999", "x", "²", "١"])}
FORUM_TARGETS = [
    Target(forum_forms.ThreadForm, "writer", lambda w: "/forum/hot-och-trakasserier/new", extras=SEND),
    Target(forum_forms.ReplyForm, "writer", lambda w: f"{w.thread_url}/reply", extras=SEND),
    Target(forum_forms.FlagForm, "other_writer", lambda w: f"{w.thread_url}/1/flag"),
    Target(forum_forms.ForumCodeForm, "anonymous", lambda w: "/forum/code"),
    Target(forum_forms.GateForm, "anonymous", lambda w: "/forum/gate"),
]
REPORTER_TARGETS = [
    Target(reporting_forms.ReportForm, "anonymous", lambda w: "/report"),
    Target(reporting_forms.CodeForm, "anonymous", lambda w: "/followup"),
    Target(reporting_forms.ReplyForm, "reporter", lambda w: "/followup/reply"),
    # The same address without a case session: the reply comes with a code (issue 17).
    Target(reporting_forms.ReplyWithCodeForm, "anonymous", lambda w: "/followup/reply"),
    Target(reporting_forms.ReplaceCodeForm, "reporter", lambda w: "/followup/code"),
    Target(reporting_forms.StoredForm, "anonymous", lambda w: "/report/receipt", prepare=submit),
    # The world's case has one plain message (seq 1) and no minutes or offers: every answer names
    # an entry that cannot take it (tests/http/test_oral_reports.py answers real ones).
    Target(reporting_forms.ApproveMinutesForm, "reporter", lambda w: "/followup/minutes/approve", hints=SEQ),
    Target(reporting_forms.CorrectionForm, "reporter", lambda w: "/followup/minutes/correct", hints=SEQ),
    Target(reporting_forms.MeetingAnswerForm, "reporter", lambda w: "/followup/meeting/answer", hints=SEQ),
]
MODERATION_TARGETS = [
    Target(moderation_forms.LoginForm, "anonymous", lambda w: "/moderation/login"),
    Target(moderation_forms.PasswordChangeForm, "no_key", lambda w: "/moderation/account/password"),
    Target(moderation_forms.ActionForm, "admin", lambda w: f"/moderation/forum/threads/{w.thread_id}/lock"),
    Target(case_forms.MessageForm, "admin", _case("message")),
    Target(case_forms.NoteForm, "admin", _case("note")),
    Target(moderation_forms.DraftForm, "admin", _case("draft")),
    Target(case_forms.StatusForm, "admin", _case("status"), hints={"version": _version}),
    Target(
        case_forms.AssignForm,
        "admin",
        _case("assign"),
        hints={
            "version": _version,
            "assignee": lambda w: st.sampled_from(["", str(w.moderator_id), str(w.no_key_id)]),
        },
    ),
    Target(case_forms.LabelsForm, "admin", _case("labels"), hints={"version": _version}),
    Target(
        case_forms.AccessForm,
        "admin",
        _case("access"),
        hints={
            "version": _version,
            # Plain moderators (granted, never granted, kept out) and the admin, whom none can exclude.
            "exclude": lambda w: st.sampled_from(
                [str(w.moderator_id), str(w.excluded_id), str(w.no_key_id), "1", "0"]
            ),
        },
    ),
    Target(case_forms.ClassifyForm, "admin", _case("classify"), hints={"version": _version}),
    Target(case_forms.MeetingForm, "admin", _case("meeting"), hints={"version": _version}),
    Target(
        case_forms.PostponeForm,
        "admin",
        _case("postpone", "other_report_id"),
        hints={"days": lambda w: st.sampled_from(["1", "730", "731", "0", "-5", "2147483648"])},
        prepare=_close_the_other_case,
    ),
    Target(admin_forms.InvitationForm, "admin", lambda w: "/moderation/users/new"),
    # Exports with redaction (issue 15 part 3): the masks are new rows (a redirect), the export a
    # file (200, a reading event only).
    Target(
        export_forms.MaskForm,
        "admin",
        _case("masks"),
        hints={
            "target": lambda w: st.sampled_from(["report", "message:1", "message:99", "file:1", "x"]),
            "passage": lambda w: st.sampled_from([*REPORT_TEXT.split()[:4], REPORT_TEXT[5:30], "Karl"]),
            "occurrence": lambda w: st.sampled_from(["", "1", "2", "0", "-1", "2147483648"]),
        },
    ),
    Target(
        export_forms.FileMasksForm,
        "admin",
        _case("masks/files"),
        hints={"files": lambda w: st.sampled_from([str(w.file_id), str(w.other_file_id), "0", "x"])},
    ),
    Target(export_forms.RemoveMaskForm, "admin", lambda w: f"/moderation/cases/{w.report_id}/masks/1/remove"),
    Target(
        export_forms.ExportForm,
        "admin",
        _case("export"),
        hints={
            "format": lambda w: st.sampled_from(["pdf", "zip", "", "exe"]),
            "registration": lambda w: st.sampled_from(
                ["KS 2026/123", "Dnr 2026-00017 (Soc)", "<b>", "x" * 61]
            ),
        },
    ),
    Target(
        admin_forms.NotifyForm,
        "admin",
        lambda w: f"/moderation/users/{w.moderator_id}/notify",
        prefix=lambda w: f"u{w.moderator_id}",
    ),
    Target(
        admin_forms.TemplateForm, "admin", lambda w: "/moderation/templates/new", label="TemplateForm-new"
    ),
    Target(admin_forms.LocalTextsForm, "admin", lambda w: "/moderation/texts"),
    Target(admin_forms.RetentionForm, "admin", lambda w: "/moderation/retention"),
    Target(
        admin_forms.TemplateForm,
        "admin",
        lambda w: f"/moderation/templates/{w.template_id}/edit",
        label="TemplateForm-edit",
    ),
    Target(
        moderation_forum_forms.RejectForm,
        "admin",
        lambda w: f"/moderation/forum/posts/{w.pending_post_id}/reject",
    ),
    # The world's post_id begins its thread: its edit has a title too. A valid body publishes it
    # again, as it already is. pending_post_id is a reply: its edit has the body only.
    Target(
        moderation_forum_forms.RedactThreadForm,
        "admin",
        lambda w: f"/moderation/forum/posts/{w.post_id}/redact",
    ),
    Target(
        moderation_forum_forms.RedactForm,
        "admin",
        lambda w: f"/moderation/forum/posts/{w.pending_post_id}/redact",
        label="RedactForm-reply",
    ),
    Target(moderation_forum_forms.WordForm, "admin", lambda w: "/moderation/forum/settings/words"),
    Target(
        moderation_forum_forms.BoardForm,
        "admin",
        lambda w: f"/moderation/forum/settings/boards/{w.board_id}",
        prefix=lambda w: f"board{w.board_id}",
    ),
    Target(admin_forms.AuditFilterForm, "admin", lambda w: "/moderation/audit"),
    Target(stats_forms.StatsForm, "moderator", lambda w: "/moderation/stats", label="StatsForm-page"),
    Target(stats_forms.StatsForm, "moderator", lambda w: "/moderation/stats.csv", label="StatsForm-csv"),
    Target(
        stats_forms.StatsForm, "moderator", lambda w: "/moderation/stats/handling", label="StatsForm-handling"
    ),
    Target(
        stats_forms.StatsForm,
        "moderator",
        lambda w: "/moderation/stats/handling.csv",
        label="StatsForm-handling-csv",
    ),
    Target(
        None,
        "admin",
        lambda w: "/moderation/cases",
        label="queue filter",
        query_fields=(
            "status",
            "kind",
            "category",
            "area",
            "label",
            "assignee",
            "due",
            "awaiting",
            "sort",
            "after",
        ),
    ),
    # Last: they end what the targets above use (a template, a case, the open forum).
    Target(
        admin_forms.DeleteTemplateForm, "admin", lambda w: f"/moderation/templates/{w.template_id}/delete"
    ),
    Target(
        case_forms.EraseForm,
        "admin",
        _case("erase", "other_report_id"),
        hints={"confirm_number": lambda w: st.sampled_from([str(w.other_report_id), str(w.report_id), "0"])},
    ),
    Target(moderation_forum_forms.GateForm, "admin", lambda w: "/moderation/forum/settings/gate"),
    Target(operator_forms.OrganisationForm, "operator", lambda w: "/operator/organisations"),
    Target(operator_forms.NameForm, "operator", lambda w: "/operator/organisations/1/name"),
    Target(operator_forms.HostForm, "operator", lambda w: "/operator/organisations/1/host"),
    # Oral reporting (issue 15 part 1). Last: a valid oral report is a new, newest case.
    Target(oral_forms.MinutesForm, "admin", _case("minutes")),
    Target(
        oral_forms.MeetingOfferForm,
        "admin",
        _case("offer"),
        hints={
            "date": lambda w: st.sampled_from([today().isoformat(), "2020-01-01", "2026-02-30", "10 dec"]),
            "time": lambda w: st.sampled_from(["14:30", "25:00", "9", "14:30:59.123456+05:00"]),
        },
    ),
    Target(oral_forms.OralReportForm, "admin", lambda w: "/moderation/cases/oral"),
]
TARGETS = FORUM_TARGETS + REPORTER_TARGETS + MODERATION_TARGETS
SETUP_TARGETS = [
    Target(setup_forms.AdminForm, "anonymous", lambda w: "/setup"),
    Target(setup_forms.TotpForm, "anonymous", lambda w: "/setup/totp"),
    Target(setup_forms.RecoveryStoredForm, "anonymous", lambda w: "/setup/recovery"),
]
# Step 1 of an invitation, at /enrol/<token> of a link an admin issues in the test itself.
INVITATION = Target(setup_forms.PassphraseForm, "anonymous", lambda w: "/enrol/<token>")
GET_FORMS = {admin_forms.AuditFilterForm, stats_forms.StatsForm}  # filters in the query string
ABSTRACT_FORMS = {"Form", "NewPassphraseForm", "Versioned", "Answer"}  # bases only, never posted themselves


def fields_of(app: Flask, target: Target, world: World | None) -> list[FieldInfo]:
    if target.form is None:
        return [FieldInfo(name, "StringField") for name in target.query_fields]
    with app.test_request_context():
        form = target.form(formdata=None, meta={"csrf": False}, prefix=target.prefix(world))
        return [
            FieldInfo(
                f.name,
                type(f).__name__,
                tuple(str(c[0]) for c in f.iter_choices()) if hasattr(f, "iter_choices") else (),
            )
            for f in form
            if f.name != "csrf_token" and not f.name.endswith("-csrf_token")
        ]


def send(client: FlaskClient, url: str, body: Body) -> Any:
    n = next(_addresses)
    client.environ_base["REMOTE_ADDR"] = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
    if body.shape == "query":
        return client.get(f"{url}?{body.query}")
    return client.post(url, data=body.data, content_type=body.content_type, headers=body.headers)


def fuzz(app: Flask, world: World | None, target: Target, client: FlaskClient) -> None:
    fields = fields_of(app, target, world)
    unchanged: list[Snapshot] = []  # the state after the last refused request, while still true

    @FUZZ
    @given(data=st.data())
    def one_request(data: st.DataObject) -> None:
        url = target.url(world)
        # Only targets with a world have hints.
        hints = {name: make(cast(World, world)) for name, make in target.hints.items()}
        if target.form is None or target.form in GET_FORMS:
            body = data.draw(queries(fields, hints))
        else:
            body = data.draw(bodies(fields, token_of(client), hints, target.extras))
        before = unchanged.pop() if unchanged else snapshot(app)
        response = send(client, url, body)
        status = response.status_code
        response.close()
        assert status < 500, (target.name, status, body)
        if status not in REDIRECTS:
            assert_nothing_stored(app, before, (target.name, status, body))
            unchanged.append(before)

    one_request()


OVERFLOWING = ("2147483648", "99999999999999999999", "١٢")  # past PostgreSQL's, past SQLite's, not ASCII
ODD_NUMBERS = (*OVERFLOWING, "²", "-1", "0x10", "1e3")


def test_ids_no_row_can_have_are_not_found_rather_than_a_500(shared_world: World) -> None:
    """Regressions the fuzzing found, as plain examples (first: the fuzzing below changes the world)."""
    admin, writer = shared_world.client("admin"), shared_world.client("writer")
    for number in OVERFLOWING:
        for rule in shared_world.app.url_map.iter_rules():
            if "<int:" in rule.rule:
                url = re.sub(r"<int:\w+>", number, rule.rule)
                url = shared_world.url_for_rule(url)
                client = writer if url.startswith("/forum") else admin
                for method in sorted((rule.methods or set()) & {"GET", "POST"}):
                    response = client.open(url, method=method, data={"csrf_token": token_of(client)})
                    assert response.status_code == 404, (method, url, response.status_code)
    for number in ODD_NUMBERS:
        for url in (
            f"/moderation/cases?label={number}&assignee={number}&after=-.{number}",
            f"/moderation/cases?after=2026-01-01.{number}&sort=newest",
            f"/moderation/cases/{shared_world.report_id}?template={number}",
            f"/moderation/audit?before={number}",
            f"{shared_world.thread_url}?after={number}",
        ):
            assert admin.get(url).status_code == 200, url


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
def test_form_survives_hostile_bodies(shared_world: World, target: Target) -> None:
    actor = target.actor
    client = shared_world.fresh_client() if actor == "anonymous" else shared_world.client(actor)
    target.prepare(client)
    fuzz(shared_world.app, shared_world, target, client)


@pytest.fixture(scope="module", params=backend_params())
def fresh_app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An installation nobody has set up yet, for the wizard's forms."""
    with module_app(request.param, tmp_path_factory.mktemp("setup") / "instance") as app:
        yield app


def test_setup_wizard_forms_survive_hostile_bodies(fresh_app: Flask) -> None:
    wizard = fresh_app.test_client()
    assert wizard.get(f"/setup?token={setup_token(fresh_app.config['PORTAL'])}").status_code == 200
    fuzz(fresh_app, None, SETUP_TARGETS[0], wizard)
    token = csrf_from(wizard.get("/setup").get_data(as_text=True))
    valid = {"username": "ada", "password": PASSWORD, "confirm": PASSWORD, "csrf_token": token}
    assert wizard.post("/setup", data=valid).status_code == 302
    fuzz(fresh_app, None, SETUP_TARGETS[1], wizard)
    page = wizard.get("/setup/totp").get_data(as_text=True)
    secret = re.search(r'data-secret="([A-Z2-7]+)"', page)
    assert secret
    done = wizard.post(
        "/setup/totp", data={"totp": pyotp.TOTP(secret.group(1)).now(), "csrf_token": csrf_from(page)}
    )
    assert done.status_code == 302
    fuzz(fresh_app, None, SETUP_TARGETS[2], wizard)


def test_an_invitations_first_step_survives_hostile_bodies(shared_world: World) -> None:
    admin = shared_world.client("admin")
    issued = admin.post(
        "/moderation/users/new",
        data={"username": "fuzzed", "role": "moderator", "csrf_token": token_of(admin)},
    )
    assert issued.status_code == 303
    link = re.search(r"/enrol/([A-Za-z0-9_-]{43})", admin.get(issued.location).get_data(as_text=True))
    assert link
    invited = shared_world.fresh_client()
    assert invited.get(link.group(0)).status_code == 200
    fuzz(
        shared_world.app, shared_world, dataclasses.replace(INVITATION, url=lambda w: link.group(0)), invited
    )


def _portal_forms() -> set[str]:
    for module in pkgutil.walk_packages(portal.__path__, "portal."):
        importlib.import_module(module.name)
    found: set[str] = set()
    pending = list(FlaskForm.__subclasses__())
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        if cls.__module__.startswith("portal."):
            found.add(f"{cls.__module__}.{cls.__qualname__}")
    return found


def test_every_form_of_the_portal_is_fuzzed() -> None:
    """A new form cannot escape: it must be added to TARGETS (or be an abstract base)."""
    targets = [*TARGETS, *SETUP_TARGETS, INVITATION]
    fuzzed = {f"{t.form.__module__}.{t.form.__qualname__}" for t in targets if t.form}
    missing = {name for name in _portal_forms() - fuzzed if name.rsplit(".", 1)[1] not in ABSTRACT_FORMS}
    assert not missing, f"forms without a fuzz target: {sorted(missing)}"
