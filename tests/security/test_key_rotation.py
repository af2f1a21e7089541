"""``flask --app wsgi keys rotate`` as an attacker would test it (issue 13, item 5).

The attack: someone kept the organisation private key (a departed admin, or a moderator who had it
before case keys; a leaked recovery key). After the rotation that key must open nothing in the
database: no report key, no grant, no case key, not the recovery wrap; the old recovery key is
refused; every session that carried the old key is gone. Meanwhile everybody entitled keeps
reading: admins through the new organisation key and plain moderators through their case keys,
after logging in again; reporters with their codes. A rotation that stops halfway must change
nothing. A plain moderator still holding the organisation key from before case keys loses it and
gets a case key for every report instead.
"""

from __future__ import annotations

import io
import re
import threading
import time
from dataclasses import dataclass

import pytest
import redis
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from portal import installation
from portal.accounts import rotation
from portal.accounts import service as accounts
from portal.cases import vault
from portal.db import transaction, utcnow
from portal.models import (
    AccessJob,
    Attachment,
    AuditEvent,
    CaseKey,
    Organisation,
    Report,
    ServerSession,
    User,
)
from portal.security import crypto, user_keys
from tests.accounts import Account, AccountFactory, AuthActions, grant
from tests.csrf import get_csrf
from tests.moderation_helpers import case_html
from tests.reporting_helpers import (
    DESCRIPTION,
    case_page,
    moderator_answers,
    open_with_code,
    reply,
    report_and_get_code,
)
from tests.settings import CLIENT_ADDRESS, REDIS_URL

ANSWER = "Vi har tagit emot din anmälan och återkommer inom en vecka."
REPLY = "Tack, han har hört av sig igen i dag."
SHOWN_ONCE = re.compile(r"^Recovery key: ([A-Z2-7]{4}(?:-[A-Z2-7]{1,4})+)$", re.M)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 12), (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


def _run(app: Flask, args: list[str], stdin: str) -> Result:
    return app.test_cli_runner().invoke(args=args, input=stdin)


def _rotate(app: Flask, recovery_key: str) -> Result:
    return _run(app, ["keys", "rotate"], recovery_key + "\n")


def _engine_session(app: Flask) -> Session:
    return Session(app.extensions["portal.engine"])


def _organisation(app: Flask) -> Organisation:
    with _engine_session(app) as db:
        row = db.get(Organisation, 1)
        assert row is not None and row.private_key_recovery is not None
        db.expunge(row)
        return row


def _org_private_via_recovery(app: Flask, recovery_key: str) -> bytes:
    wrapped = _organisation(app).private_key_recovery
    assert wrapped is not None
    return crypto.unwrap(crypto.parse_recovery_key(recovery_key), wrapped)


def _sealed_report_keys(app: Flask) -> list[bytes]:
    with _engine_session(app) as db:
        return list(db.scalars(select(Report.key_sealed).order_by(Report.id)))


def _case_keys(app: Flask, username: str) -> dict[int, bytes]:
    with _engine_session(app) as db:
        rows = db.execute(
            select(CaseKey.report_id, CaseKey.sealed)
            .join(User, User.id == CaseKey.user_id)
            .where(User.username == username)
            .order_by(CaseKey.report_id)
        )
        return {report_id: bytes(sealed) for report_id, sealed in rows}


def _all_case_keys(app: Flask) -> list[tuple[int, int, bytes]]:
    with _engine_session(app) as db:
        rows = db.execute(
            select(CaseKey.report_id, CaseKey.user_id, CaseKey.sealed).order_by(
                CaseKey.report_id, CaseKey.user_id
            )
        )
        return [(report_id, user_id, bytes(sealed)) for report_id, user_id, sealed in rows]


def _own_private(app: Flask, account: Account) -> bytes:
    """The private key the user's passphrase opens (what their log-in puts in their session)."""
    with _engine_session(app) as db:
        user = accounts.find(db, account.username)
        return user_keys.open_private_key(user, account.password, installation.kdf_cost(app.config["PORTAL"]))


def _report_keys(private: bytes, sealed: list[bytes]) -> list[bytes]:
    return [crypto.unseal(private, item) for item in sealed]


def _opens(private: bytes, sealed: bytes) -> bool:
    try:
        crypto.unseal(private, sealed)
    except crypto.DecryptionFailed:
        return False
    return True


def _client(app: Flask) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = CLIENT_ADDRESS
    return client


def _reads_every_case(app: Flask, installed: World, account: Account) -> None:
    """``account`` logs in and reads every report, the dialogue of the first and its file."""
    client = _client(app)
    assert AuthActions(client).login(account).status_code == 302
    for report_id in installed.report_ids:
        assert "En klient hotade mig" in case_html(client, report_id)
    first = case_html(client, installed.report_ids[0])
    assert ANSWER in first and REPLY in first
    with _engine_session(app) as db:
        file_id = db.scalar(select(Attachment.id).where(Attachment.report_id == installed.report_ids[0]))
    download = client.get(f"/moderation/cases/{installed.report_ids[0]}/files/{file_id}")
    assert download.status_code == 200 and download.data.startswith(b"\x89PNG")


def _redis_sessions(app: Flask) -> list[bytes]:
    prefix = app.config["PORTAL"].redis_prefix
    if not app.config["PORTAL"].redis_url:
        return []
    with redis.Redis.from_url(REDIS_URL) as client:
        return list(client.scan_iter(match=f"{prefix}:session:*"))


def _table_sessions(app: Flask) -> int:
    with _engine_session(app) as db:
        return int(db.scalar(select(func.count()).select_from(ServerSession)) or 0)


@dataclass
class World:
    admin: Account
    mo: Account
    codes: list[str]
    report_ids: list[int]
    old_private: bytes
    admin_client: FlaskClient
    reporter_client: FlaskClient


@pytest.fixture
def installed(app: Flask, client: FlaskClient, admin: Account, moderator: AccountFactory) -> World:
    """Three reports (one with a file, answered and replied to), an admin logged in and a granted
    plain moderator (a case key for each report), a reporter logged in, a pending and a disabled
    moderator, a leftover session row."""
    assert admin.recovery_key
    mo = moderator("mo")
    moderator("pending")
    moderator("gone")
    grant(app, "mo", by=admin)
    grant(app, "gone", by=admin)
    with app.test_request_context(), _engine_session(app) as db:
        accounts.disable(db, accounts.find(db, "gone"), accounts.find(db, "admin"))
        db.commit()
    codes = [
        report_and_get_code(client, attachments=[(io.BytesIO(_png()), "bild.png")]),
        report_and_get_code(client),
        report_and_get_code(client),
    ]
    with _engine_session(app) as db:
        report_ids = list(db.scalars(select(Report.id).order_by(Report.id)))
    moderator_answers(app, admin, report_ids[0], ANSWER)
    reporter_client = _client(app)
    assert open_with_code(reporter_client, codes[0]).status_code == 303
    assert reply(reporter_client, REPLY).status_code == 303
    admin_client = _client(app)
    assert AuthActions(admin_client).login(admin).status_code == 302
    assert case_html(admin_client, report_ids[0])
    # A row in the session table although Redis may hold the sessions now (it did before Redis).
    with _engine_session(app) as db:
        db.execute(insert(ServerSession).values(id="f" * 64, data=b"x" * 40, expires_at=utcnow()))
        db.commit()
    assert _table_sessions(app) >= 1
    if app.config["PORTAL"].redis_url:
        assert len(_redis_sessions(app)) >= 2  # the admin's and the reporter's at least
    old_private = _org_private_via_recovery(app, admin.recovery_key)
    assert all(_opens(old_private, sealed) for sealed in _sealed_report_keys(app))
    # mo reads through case keys (sealed at submission), "gone" holds none.
    assert sorted(_case_keys(app, "mo")) == report_ids
    assert _case_keys(app, "gone") == {}
    return World(admin, mo, codes, report_ids, old_private, admin_client, reporter_client)


def test_after_rotation_the_old_key_opens_nothing_and_everyone_entitled_reads_again(
    app: Flask, installed: World
) -> None:
    assert installed.admin.recovery_key
    result = _rotate(app, installed.admin.recovery_key)
    assert result.exit_code == 0, result.output
    shown = SHOWN_ONCE.findall(result.stdout)
    assert len(shown) == 1, result.stdout  # printed once, on stdout
    new_recovery = shown[0]
    assert new_recovery != installed.admin.recovery_key
    assert "3 of 3 reports" in result.stderr  # progress goes to stderr

    # The old organisation key opens no report key ...
    sealed = _sealed_report_keys(app)
    assert len(sealed) == 3
    assert [_opens(installed.old_private, item) for item in sealed] == [False, False, False]
    # ... no grant: the admin's grant now holds the new key; the plain moderator, the pending and
    # the disabled one hold none.
    new_private = _org_private_via_recovery(app, new_recovery)
    assert new_private != installed.old_private
    with _engine_session(app) as db:
        users = {user.username: user for user in db.scalars(select(User))}
        granted = accounts.open_org_key(users["admin"], installed.admin.password, app.config["PORTAL"])
        assert granted == new_private
        admin_grant = users["admin"].org_key_sealed
        assert admin_grant is not None and not _opens(installed.old_private, admin_grant)
        assert users["mo"].org_key_sealed is None
        assert users["pending"].org_key_sealed is None
        assert users["gone"].org_key_sealed is None
    # ... and no case key. mo's case keys open, with his passphrase, the same report keys as the
    # new organisation key; the disabled and the pending moderator hold none.
    report_keys = _report_keys(new_private, sealed)
    mo_keys = _case_keys(app, "mo")
    assert sorted(mo_keys) == installed.report_ids
    assert _report_keys(_own_private(app, installed.mo), list(mo_keys.values())) == report_keys
    assert [_opens(installed.old_private, item) for *_, item in _all_case_keys(app)] == [False] * 3
    assert (_case_keys(app, "gone"), _case_keys(app, "pending")) == ({}, {})
    # ... and not the recovery wrap: the old recovery key is refused.
    with pytest.raises(crypto.DecryptionFailed):
        _org_private_via_recovery(app, installed.admin.recovery_key)
    # The new key opens every report, and the public key matches it.
    assert all(_opens(new_private, item) for item in sealed)
    probe = crypto.seal(bytes(_organisation(app).public_key or b""), b"probe")
    assert crypto.unseal(new_private, probe) == b"probe"

    # No session is left in either store; the admin's and the reporter's old cookies open nothing.
    assert _table_sessions(app) == 0
    assert _redis_sessions(app) == []
    assert installed.admin_client.get("/moderation/").status_code == 302
    assert installed.reporter_client.get("/followup/case").status_code != 200

    with _engine_session(app) as db:
        events = list(db.scalars(select(AuditEvent.event).where(AuditEvent.event == "admin:orgkey:rotated")))
    assert events == ["admin:orgkey:rotated"]

    # Moderators log in again and read every report, its messages and its file.
    for account in (installed.admin, installed.mo):
        _reads_every_case(app, installed, account)
    # Reporters still come back with their codes and read the moderator's answer.
    reporter = _client(app)
    assert open_with_code(reporter, installed.codes[0]).status_code == 303
    page = case_page(reporter)
    assert ANSWER in page and REPLY in page

    # The old recovery key is refused by both commands; the new one works.
    recover = _run(app, ["keys", "recover", "mo"], installed.admin.recovery_key + "\n")
    assert recover.exit_code == 1
    assert "the recovery key does not open the organisation key" in recover.output
    again = _rotate(app, installed.admin.recovery_key)
    assert again.exit_code == 1
    assert "the recovery key does not open the organisation key" in again.output
    assert SHOWN_ONCE.findall(again.output) == []
    assert _run(app, ["keys", "recover", "mo"], new_recovery + "\n").exit_code == 0


def test_a_report_sent_after_rotation_is_sealed_to_the_new_key(app: Flask, installed: World) -> None:
    assert installed.admin.recovery_key
    result = _rotate(app, installed.admin.recovery_key)
    assert result.exit_code == 0, result.output
    new_private = _org_private_via_recovery(app, SHOWN_ONCE.findall(result.stdout)[0])
    report_and_get_code(_client(app))
    newest = _sealed_report_keys(app)[-1]
    assert _opens(new_private, newest) and not _opens(installed.old_private, newest)


def test_a_wrong_recovery_key_changes_nothing(app: Flask, installed: World) -> None:
    before = _organisation(app)
    sealed_before = _sealed_report_keys(app)
    for wrong in (crypto.format_recovery_key(crypto.new_key()), "not a key at all", ""):
        result = _rotate(app, wrong)
        assert result.exit_code == 1, wrong
        assert "the recovery key does not open the organisation key" in result.output
        assert SHOWN_ONCE.findall(result.output) == []
    after = _organisation(app)
    assert (after.public_key, after.private_key_recovery) == (
        before.public_key,
        before.private_key_recovery,
    )
    assert _sealed_report_keys(app) == sealed_before
    assert installed.admin_client.get("/moderation/").status_code == 200  # sessions untouched


def test_a_rotation_stopped_halfway_changes_nothing_and_can_run_again(
    app: Flask, installed: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert installed.admin.recovery_key
    before = _organisation(app)
    sealed_before = _sealed_report_keys(app)
    with _engine_session(app) as db:
        grants_before = {
            name: grant for name, grant in db.execute(select(User.username, User.org_key_sealed))
        }
    case_keys_before = _all_case_keys(app)
    assert len(case_keys_before) == 3  # mo's
    real_reseal = vault.reseal_key
    calls = []

    def fails_at_the_second_report(report_key: bytes, new_public: bytes) -> bytes:
        calls.append(report_key)
        if len(calls) == 2:
            raise OSError("disk gone")
        return real_reseal(report_key, new_public)

    monkeypatch.setattr(vault, "reseal_key", fails_at_the_second_report)
    stopped = _rotate(app, installed.admin.recovery_key)
    assert stopped.exit_code != 0
    assert SHOWN_ONCE.findall(stopped.output) == []  # no new recovery key was ever shown
    assert len(calls) == 2

    after = _organisation(app)
    assert (after.public_key, after.private_key_recovery) == (
        before.public_key,
        before.private_key_recovery,
    )
    assert _sealed_report_keys(app) == sealed_before
    assert all(_opens(installed.old_private, item) for item in _sealed_report_keys(app))
    with _engine_session(app) as db:
        assert {
            name: grant for name, grant in db.execute(select(User.username, User.org_key_sealed))
        } == grants_before
        assert db.scalar(select(func.count()).where(AuditEvent.event == "admin:orgkey:rotated")) == 0
    assert _all_case_keys(app) == case_keys_before
    assert installed.admin_client.get("/moderation/").status_code == 200  # still logged in, old key works

    monkeypatch.setattr(vault, "reseal_key", real_reseal)
    result = _rotate(app, installed.admin.recovery_key)
    assert result.exit_code == 0, result.output
    new_private = _org_private_via_recovery(app, SHOWN_ONCE.findall(result.stdout)[0])
    assert all(
        _opens(new_private, item) and not _opens(installed.old_private, item)
        for item in _sealed_report_keys(app)
    )
    assert _all_case_keys(app) == case_keys_before  # sealed to mo's own key, which did not change
    with _engine_session(app) as db:
        holders = {name: grant for name, grant in db.execute(select(User.username, User.org_key_sealed))}
    assert [name for name, sealed in holders.items() if sealed is not None] == ["admin"]
    admin_grant = holders["admin"]
    assert admin_grant is not None and admin_grant != grants_before["admin"]


def test_a_moderator_still_holding_the_organisation_key_is_converted_by_the_rotation(
    app: Flask, installed: World, moderator: AccountFactory
) -> None:
    """leo was granted before case keys: migration 0019 left him the organisation key sealed to
    his public key and case access, no case key. Whoever kept a copy of his grant, or of the old
    key, must find nothing after ``keys rotate``; leo reads every case through case keys."""
    assert installed.admin.recovery_key
    leo = moderator("leo")
    # After the admin's log-in (in ``installed``), which would have started his conversion job.
    with _engine_session(app) as db:
        org_key = accounts.open_org_key(
            accounts.find(db, "admin"), installed.admin.password, app.config["PORTAL"]
        )
        user = accounts.find(db, "leo")
        user_keys.seal_org_key(user, org_key)
        user.case_access = True
        db.commit()
    # The control: his passphrase opens the old organisation key; he holds no case key.
    with _engine_session(app) as db:
        user = accounts.find(db, "leo")
        assert accounts.open_org_key(user, leo.password, app.config["PORTAL"]) == installed.old_private
    assert _case_keys(app, "leo") == {}

    result = _rotate(app, installed.admin.recovery_key)
    assert result.exit_code == 0, result.output
    assert (
        "1 users re-granted, 0 disabled users' grants removed, 1 moderators moved to case keys"
        in result.stdout
    )  # leo converted
    new_private = _org_private_via_recovery(app, SHOWN_ONCE.findall(result.stdout)[0])

    with _engine_session(app) as db:
        user = accounts.find(db, "leo")
        assert (user.org_key_sealed, user.case_access) == (None, True)
        assert (
            db.scalar(
                select(func.count())
                .select_from(AccessJob)
                .where(AccessJob.user_id == user.id, AccessJob.finished_at.is_(None))
            )
            == 0
        )
    leo_keys = _case_keys(app, "leo")
    assert sorted(leo_keys) == installed.report_ids
    assert _report_keys(_own_private(app, leo), list(leo_keys.values())) == _report_keys(
        new_private, _sealed_report_keys(app)
    )
    assert not any(_opens(installed.old_private, item) for item in leo_keys.values())

    _reads_every_case(app, installed, leo)
    with _engine_session(app) as db:
        assert accounts.find(db, "leo").org_key_sealed is None  # his log-in started no conversion


def test_a_report_sent_while_the_key_rotates_is_sealed_to_the_new_key(
    app: Flask, installed: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race: a reporter sends while the rotation runs. Sealed to the old public key once the
    re-seal has passed, that report would open for nobody but the holder of the old key."""
    assert installed.admin.recovery_key
    real_seal = user_keys.seal_org_key
    rotating, go_on = threading.Event(), threading.Event()

    def pauses_at_the_first_grant(user: User, org_private_key: bytes) -> None:
        # Every report has been re-sealed by now; the grants and the commit are still to come.
        rotating.set()
        go_on.wait(10)
        real_seal(user, org_private_key)

    monkeypatch.setattr(user_keys, "seal_org_key", pauses_at_the_first_grant)
    results: dict[str, object] = {}

    def rotate_in_thread() -> None:
        with app.app_context(), transaction() as db:
            results["rotated"] = rotation.rotate(db, 1, installed.admin.recovery_key or "")

    reporter = _client(app)
    token = get_csrf(reporter, "/report")  # the form first: its session is saved before the rotation
    rotator = threading.Thread(target=rotate_in_thread)
    rotator.start()
    assert rotating.wait(10)

    def send() -> None:
        fields = {"kind": "influence", "category": "threats", "area": "income_support", "csrf_token": token}
        results["status"] = reporter.post("/report", data={**fields, "description": DESCRIPTION}).status_code

    sender = threading.Thread(target=send)
    sender.start()
    time.sleep(0.5)  # the report is on its way while the rotation is still at work
    go_on.set()
    rotator.join(30)
    sender.join(30)
    assert results["status"] == 303
    rotated = results["rotated"]
    assert isinstance(rotated, rotation.Rotated)
    new_private = _org_private_via_recovery(app, rotated.recovery_key)
    sealed = _sealed_report_keys(app)
    assert len(sealed) == 4
    assert [_opens(new_private, item) for item in sealed] == [True, True, True, True]
