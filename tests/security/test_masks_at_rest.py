"""Masks of an export are ciphertext at rest (issue 15 part 3; threats 2 and 6): a masked passage
says as much as the text it hides, so neither it, nor which text it is in, nor its character
ranges are readable in the database's rows or files; erasing the case takes the masks' ciphertext
out of the files with the rest of the case."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.cases.models import CaseMask
from portal.config import Config
from portal.models import Attachment
from tests import stored_bytes
from tests.accounts import Account, AuthActions
from tests.csrf import csrf_from, get_csrf
from tests.moderation_helpers import case_html
from tests.reporting_helpers import only_report_id, report_and_get_code

CANARY = "Kanarie-Vittne-7f3a Ödmark"
DESCRIPTION = f"Vittnet {CANARY} såg när ordföranden hotade handläggaren."
TABLES = ("case_masks", "reports")


@pytest.fixture
def config(config: Config, backend: str) -> Iterator[Config]:
    """On PostgreSQL a database of its own (see ``tests/stored_bytes.py``)."""
    with stored_bytes.database_of_its_own(config, backend) as own:
        yield own


def _masked_case(app: Flask, client: FlaskClient, admin: Account) -> int:
    report_and_get_code(
        app.test_client(), description=DESCRIPTION, attachments=[(io.BytesIO(b"bilaga\n"), "bilaga.txt")]
    )
    report_id = only_report_id(app)
    assert AuthActions(client).login(admin).status_code == 302
    token = csrf_from(case_html(client, report_id))
    url = f"/moderation/cases/{report_id}/masks"
    assert (
        client.post(url, data={"csrf_token": token, "target": "report", "passage": CANARY}).status_code == 303
    )
    with Session(app.extensions["portal.engine"]) as db:
        file_id = db.scalars(select(Attachment.id)).one()
    files = client.post(f"{url}/files", data={"csrf_token": token, "files": str(file_id)})
    assert files.status_code == 303
    return report_id


def test_a_mask_is_ciphertext_in_its_row_and_in_the_files(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    report_id = _masked_case(app, client, admin)
    with Session(app.extensions["portal.engine"]) as db:
        rows = list(db.scalars(select(CaseMask.body).where(CaseMask.report_id == report_id)))
    assert len(rows) == 2
    start = DESCRIPTION.index(CANARY)
    plain = [
        CANARY.encode(),
        b"Kanarie",
        b"target",
        b"spans",
        b"report",
        f"{start}, {start + len(CANARY)}".encode(),
    ]
    for body in rows:
        assert len(body) > 40  # nonce, tag and a sealed document, not an empty value
        assert [needle for needle in plain if needle in body] == []
    # The search sees the stored bytes: it finds each mask's ciphertext, and nothing of the plain text.
    assert stored_bytes.where_found(app, {"mask": rows[0]}, TABLES) != []
    assert stored_bytes.where_found(app, {"canary": CANARY.encode(), "spans": b'"spans"'}, TABLES) == []
    assert CANARY in case_html(client, report_id)  # the moderator still reads the mask


def test_erasing_the_case_takes_its_masks_out_of_the_files(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    report_id = _masked_case(app, client, admin)
    with Session(app.extensions["portal.engine"]) as db:
        needles = stored_bytes.needles(
            {f"mask {n}": body for n, body in enumerate(db.scalars(select(CaseMask.body)))}
        )
    token = get_csrf(client, f"/moderation/cases/{report_id}/erase")
    erased = client.post(
        f"/moderation/cases/{report_id}/erase", data={"csrf_token": token, "confirm_number": report_id}
    )
    assert erased.status_code == 303
    stored_bytes.assert_gone(app, needles, TABLES)
