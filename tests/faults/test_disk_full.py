"""The disk is full, for real: a small tmpfs of the test's own holds the SQLite database, or the
upload spool, and a file fills it to the last byte.

- Database: a report sent then gets the calm 503 that gives back what was typed
  (portal/unavailable.py), nothing is half-stored (no report, no message, no receipt), SQLite's
  ``integrity_check`` is ok, and once space is freed "Send again" stores it whole.
- Upload spool: the report form comes back with everything typed and one sentence about the
  files (portal/upload_spool.py), nothing is stored; with room again the same report goes in.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from portal import create_app, dispose
from portal.config import Config
from portal.db import Base
from portal.models import Attachment, Message, Report
from portal.upload_spool import IN_MEMORY_BYTES
from tests.accounts import make_account
from tests.csrf import get_csrf
from tests.faults.disk import fill, tmpfs
from tests.http.test_unavailable import TYPED, FormOfPage
from tests.reporting_helpers import DESCRIPTION, open_with_code, receipt_code, reply, report_and_get_code
from tests.settings import CHEAP_KDF, CLIENT_ADDRESS

pytestmark = pytest.mark.slow  # mounts file systems and fills them

FIELDS = {"kind": "influence", "category": "threats", "area": "income_support"}
# More than werkzeug keeps in memory (IN_MEMORY_BYTES): a file that goes to the spool.
NOTES = ("Minnesanteckning från mötet den 3 mars.\n" * (IN_MEMORY_BYTES // 40 + 100)).encode()
MESSAGE = "Han kom tillbaka i dag och sa samma sak igen."
SPOOL_FULL_SV = (
    "Portalen hade inte plats att ta emot dina filer just nu, så inget skickades. Allt annat du "
    "skrev finns kvar: bifoga filerna igen om några minuter och skicka."
)


def portal(instance: Path, **settings: str) -> Iterator[tuple[Flask, FlaskClient]]:
    config = Config(secret_key="disk-" + uuid.uuid4().hex, instance_path=instance, testing=True, **CHEAP_KDF)
    app = create_app(config.replace(**settings))
    app.config["PROPAGATE_EXCEPTIONS"] = False  # production's value: the client gets the answer
    Base.metadata.create_all(app.extensions["portal.engine"])
    make_account(app, "admin")  # the organisation key: reports can be received
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = CLIENT_ADDRESS
    try:
        yield app, client
    finally:
        dispose(app)


def stored(app: Flask) -> tuple[int, int, int]:
    """Reports, messages and attachments in the database (a new report has no message yet)."""
    with Session(app.extensions["portal.engine"]) as db:
        return tuple(  # type: ignore[return-value]
            int(db.scalar(select(func.count()).select_from(table)) or 0)
            for table in (Report, Message, Attachment)
        )


def no_receipt(client: FlaskClient) -> bool:
    receipt = client.get("/report/receipt")
    return receipt.status_code == 302 and receipt.location.endswith("/")


@pytest.fixture
def database_on_tmpfs() -> Iterator[tuple[Flask, FlaskClient, Path]]:
    with tmpfs(megabytes=16) as disk:
        for app, client in portal(disk / "instance"):
            yield app, client, disk


def test_a_full_database_disk_refuses_the_report_whole_and_takes_it_once_there_is_room(
    database_on_tmpfs: tuple[Flask, FlaskClient, Path],
) -> None:
    app, client, disk = database_on_tmpfs
    engine = app.extensions["portal.engine"]
    with engine.connect() as conn:  # every write from now on must grow the -wal file
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    token = get_csrf(client, "/report")
    filler = fill(disk)

    answer = client.post("/report", data={**FIELDS, "description": TYPED, "csrf_token": token})
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "60"
    page = answer.get_data(as_text=True)
    assert "Inget har sparats" in page
    form = FormOfPage(page)
    assert dict(form.fields)["description"] == TYPED
    assert stored(app) == (0, 0, 0)
    assert no_receipt(client)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"

    filler.unlink()
    again = client.post(form.action, data=MultiDict(form.fields))
    assert again.status_code == 303
    assert receipt_code(client)
    assert stored(app) == (1, 0, 0)  # the description is in the report row itself
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"


@pytest.fixture
def spool_on_tmpfs(tmp_path: Path) -> Iterator[tuple[Flask, FlaskClient, Path]]:
    with tmpfs(megabytes=2) as spool:
        for app, client in portal(tmp_path / "instance", upload_spool_dir=str(spool)):
            yield app, client, spool


def _reply(client: FlaskClient) -> tuple[int, str]:
    answer = reply(client, MESSAGE, attachments=(io.BytesIO(NOTES), "anteckningar.txt"))
    answer.request.environ["wsgi.input"].close()  # as in _send
    return answer.status_code, answer.get_data(as_text=True)


def _send(client: FlaskClient, notes: bytes) -> tuple[int, str]:
    data = {**FIELDS, "description": DESCRIPTION, "csrf_token": get_csrf(client, "/report")}
    data["attachments"] = (io.BytesIO(notes), "anteckningar.txt")  # type: ignore[assignment]
    answer = client.post("/report", data=data, content_type="multipart/form-data")
    # Werkzeug's test client spools big multipart bodies to a temporary file it never closes.
    answer.request.environ["wsgi.input"].close()
    return answer.status_code, answer.get_data(as_text=True)


def test_a_full_upload_spool_gives_the_form_back_with_one_sentence_about_the_files(
    spool_on_tmpfs: tuple[Flask, FlaskClient, Path],
) -> None:
    app, client, spool = spool_on_tmpfs
    assert len(NOTES) > IN_MEMORY_BYTES  # werkzeug would keep a smaller file in memory
    filler = fill(spool)

    status, page = _send(client, NOTES)
    assert status == 400
    assert SPOOL_FULL_SV in unescape(page)
    typed = re.search(r'<textarea[^>]*name="description"[^>]*>\s*(.*?)</textarea>', page, re.S)
    assert typed and unescape(typed.group(1)).strip() == DESCRIPTION
    assert re.search(r'<input checked[^>]* name="kind" type="radio" value="influence"', page)
    for value in ("threats", "income_support"):  # the choices made are still made
        assert f'<option selected value="{value}">' in page, value
    assert stored(app) == (0, 0, 0)
    assert no_receipt(client)
    assert [p.name for p in spool.iterdir()] == ["filler"]  # the dropped file left nothing behind

    filler.unlink()
    status, _page = _send(client, NOTES)
    assert status == 303
    assert receipt_code(client)
    assert stored(app) == (1, 0, 1)


def test_a_full_upload_spool_gives_the_reporter_s_message_back_with_the_same_sentence(
    spool_on_tmpfs: tuple[Flask, FlaskClient, Path],
) -> None:
    app, client, spool = spool_on_tmpfs
    assert open_with_code(client, report_and_get_code(client)).status_code == 303
    filler = fill(spool)

    status, page = _reply(client)
    assert status == 400
    assert SPOOL_FULL_SV in unescape(page)
    typed = re.search(r'<textarea[^>]*name="message"[^>]*>\s*(.*?)</textarea>', page, re.S)
    assert typed and unescape(typed.group(1)).strip() == MESSAGE
    assert stored(app) == (1, 0, 0)

    filler.unlink()
    status, _page = _reply(client)
    assert status == 303
    assert stored(app) == (1, 1, 1)
