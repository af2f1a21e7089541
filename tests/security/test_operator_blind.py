"""The installation operator cannot read an organisation's reports, messages or files: not in the
portal, and not offline with everything an operator holds (issue 14, item 2).

An operator creates organisation B on /operator; B's first admin enrols through the link and
makes B's key; a reporter sends B a report with a file, and B's admin answers. The operator then
has: their own password and TOTP secret (so their own key pair), the installation's secret key,
the database, and every page and command output they saw (the enrolment link among them). Each
of these is tried, as a key, on every wrap and seal the database holds: the organisations'
recovery wraps, the users' sealed organisation keys, the reports' sealed and code-wrapped keys,
and the case keys sealed to moderators.
None opens anything. The control: the same attack with B's admin's password opens the report,
so the attack would notice a key that works.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from portal.cases import vault
from portal.installation import kdf_cost
from portal.models import Attachment, CaseKey, Installation, Message, Organisation, Report, User
from portal.security import crypto, user_keys
from tests.accounts import Account
from tests.csrf import get_csrf
from tests.http.test_organisation_addresses import FIELDS
from tests.operator_helpers import enrol, operator_client
from tests.reporting_helpers import moderator_answers

FILE_TEXT = "Protokoll från mötet med ordföranden, sidan 2.".encode()
ANSWER = "Tack, vi utreder saken och hör av oss inom en vecka."


def _send_to_b(client: FlaskClient) -> None:
    token = get_csrf(client, "/o/kommun-b/report")
    sent = client.post(
        "/o/kommun-b/report",
        data={**FIELDS, "csrf_token": token, "attachments": (io.BytesIO(FILE_TEXT), "protokoll.txt")},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 303, sent.get_data(as_text=True)[:1500]


def _try(open_with: Callable[[bytes, bytes], bytes], key: bytes, blob: bytes | None) -> bytes | None:
    if blob is None:
        return None
    try:
        return open_with(key, blob)
    except Exception:  # noqa: BLE001 (a wrong key is refused in more than one way)
        return None


def _as_key(candidate: bytes) -> list[bytes]:
    """A candidate secret as the 32-byte keys it could be used as."""
    keys = [hashlib.sha256(candidate).digest()]
    if len(candidate) == 32:
        keys.append(candidate)
    return keys


def read_offline(
    url: str, secrets: list[bytes], accounts: list[Account], cost: crypto.KdfCost
) -> list[bytes]:
    """Every report text, message and file that opens with ``secrets`` (each tried as a key on
    every wrap and seal) and with the key pairs ``accounts``' passwords unwrap, read from the
    database at ``url`` with a connection of its own."""
    engine = create_engine(url)
    opened: list[bytes] = []
    with Session(engine) as db:
        users = list(db.scalars(select(User)))
        private_keys: list[bytes] = []
        for account in accounts:
            user = next(u for u in users if u.username == account.username)
            if user.private_key_wrapped is not None:
                private_keys.append(user_keys.open_private_key(user, account.password, cost))
        keys = [key for secret in secrets for key in _as_key(secret)] + private_keys
        org_keys = list(private_keys)
        for key in keys:
            for row in db.scalars(select(Organisation)):
                org_keys.append(_try(crypto.unwrap, key, row.private_key_recovery) or b"")
            for user in users:
                org_keys.append(_try(crypto.unseal, key, user.org_key_sealed) or b"")
        org_keys = [key for key in org_keys if key]
        for report in db.scalars(select(Report)):
            case_keys = list(db.scalars(select(CaseKey.sealed).where(CaseKey.report_id == report.id)))
            report_key = next(
                (
                    found
                    for key in [*keys, *org_keys]
                    for found in (
                        _try(crypto.unseal, key, report.key_sealed),
                        _try(crypto.unwrap, key, report.key_wrapped),
                        *(_try(crypto.unseal, key, sealed) for sealed in case_keys),
                    )
                    if found
                ),
                None,
            )
            if report_key is None:
                continue
            opened.append(vault.decrypt(report_key, report.description).encode())
            for message in db.scalars(select(Message).where(Message.report_id == report.id)):
                opened.append(vault.decrypt(report_key, message.body).encode())
            for item in db.scalars(select(Attachment).where(Attachment.report_id == report.id)):
                opened.append(vault.file_content(report_key, item))
    engine.dispose()
    return opened


def test_the_operator_reads_nothing_of_an_organisation_offline_or_in_the_portal(
    app: Flask, client: FlaskClient
) -> None:
    operator, olle = operator_client(app)
    seen: list[str] = []
    home = operator.get("/operator/")
    seen.append(home.get_data(as_text=True))
    link_page = operator.post(
        "/operator/organisations",
        data={"slug": "kommun-b", "name": "Kommun B", "csrf_token": get_csrf(operator, "/operator/")},
    )
    seen.append(operator.get(link_page.location).get_data(as_text=True))
    token = re.search(r"/enrol/([A-Za-z0-9_-]+)<", seen[-1])
    assert token
    bertil = enrol(app.test_client(), token.group(1), "bertil")
    _send_to_b(client)
    with Session(app.extensions["portal.engine"]) as db:
        report_id = db.scalars(select(Report.id)).one()
        row = db.scalars(select(Organisation).where(Organisation.slug == "kommun-b")).one()
    moderator_answers(app, bertil, report_id, ANSWER)
    # In the portal: the operator's pages, and every moderation page they try.
    for url in ("/operator/", f"/operator/organisations/{row.id}"):
        seen.append(operator.get(url).get_data(as_text=True))
    for url in ("/moderation/", f"/moderation/cases/{report_id}", "/moderation/queue", "/moderation/audit"):
        answer = operator.get(url)
        assert answer.status_code in (302, 404) and answer.location in (None, "/operator/"), url
        seen.append(answer.get_data(as_text=True))
    everything_seen = "\n".join(seen)
    for secret in (FIELDS["description"], ANSWER, FILE_TEXT.decode(), "protokoll.txt", bertil.recovery_key):
        assert secret and secret not in everything_seen

    # Offline: everything the operator holds, tried as a key on everything the database holds.
    config = app.config["PORTAL"]
    cost = kdf_cost(config)
    with Session(app.extensions["portal.engine"]) as db:
        installation_row = db.scalars(select(Installation)).one()
        installation_secrets = [installation_row.code_salt]
    secrets = [
        config.secret_key.encode(),
        user_keys._totp_box_key(config.secret_key),
        olle.totp.secret.encode(),
        olle.password.encode(),
        token.group(1).encode(),
        *installation_secrets,
        *(match.encode() for page in seen for match in re.findall(r"[A-Za-z0-9_-]{32,}", page)),
    ]
    url = config.sqlalchemy_url
    assert read_offline(url, secrets, [olle], cost) == []
    # The control: B's admin's password opens the report, its answer and its file the same way.
    opened = read_offline(url, secrets, [olle, bertil], cost)
    assert FIELDS["description"].encode() in opened
    assert ANSWER.encode() in opened
    assert FILE_TEXT in opened
