"""Exporting a case with masks (issue 15 part 3), over HTTP: the PDF holds the report, the
dialogue in order, the notes when asked, the list of files, a header on every page; masked
passages are black blocks and absent from the file's bytes and text; the zip holds the PDF and the
files not masked; every export is audited with its version; a moderator kept out exports nothing."""

from __future__ import annotations

import io
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from portal.accounts import service as accounts
from portal.cases.models import CaseMask
from portal.models import Attachment, AuditEvent, Report
from tests.accounts import Account, AccountFactory, AuthActions, grant
from tests.csrf import csrf_from
from tests.export_helpers import assert_absent, mapped_characters, pages_text, zip_entries
from tests.moderation_helpers import act, case_html, events, report
from tests.reporting_helpers import keep_out, open_with_code, reply, report_and_get_code

NAME = "Åsa Öberg-Łukasiewicz"
DESCRIPTION = (
    f"Ordföranden {NAME} ringde mig hemma om bygglovet på Storgatan 12.\n"
    f"Han sa att {NAME} vet var min dotter går i skolan."
)
REPLY = "Jag har sparat sms:en från Storgatan, de kom från ett dolt nummer."
ANSWER = "Tack, vi har tagit emot din rapport och återkommer inom en vecka."
NOTE = "Anteckning: kontakta säkerhetssamordnaren före fredag."
FILES = {"protokoll.txt": b"Protokoll fran motet, sidan 2\n", "hemligt.txt": b"Namnlista over vittnen\n"}
SECRECY = "Sekretess enligt 17 kap. 3 b § och 32 kap. 3 b § offentlighets- och sekretesslagen (2009:400)"


def _db(app: Flask) -> Session:
    return Session(app.extensions["portal.engine"])


def _client(app: Flask, account: Account, language: str = "sv") -> FlaskClient:
    client = app.test_client()
    client.set_cookie("lang", language)
    assert AuthActions(client).login(account).status_code == 302
    return client


def _case(app: Flask, admin: Account) -> int:
    """A report with two files, the reporter's reply after the moderator's answer, and a note."""
    reporter = app.test_client()
    files: Any = [(io.BytesIO(data), name) for name, data in FILES.items()]
    code = report_and_get_code(reporter, description=DESCRIPTION, attachments=files)
    with _db(app) as db:
        report_id = db.scalars(select(Report.id).order_by(Report.id.desc())).first()
    assert report_id is not None
    admin_client = _client(app, admin, "en")
    assert act(admin_client, report_id, "message", message=ANSWER).status_code == 303
    assert act(admin_client, report_id, "note", note=NOTE).status_code == 303
    open_with_code(reporter, code)
    assert reply(reporter, REPLY).status_code == 303
    return report_id


def _post(client: FlaskClient, report_id: int, path: str, **data: Any) -> TestResponse:
    data.setdefault("csrf_token", csrf_from(case_html(client, report_id)))
    return client.post(f"/moderation/cases/{report_id}/{path}", data=data)


def _export(client: FlaskClient, report_id: int, form: str = "pdf", **data: Any) -> TestResponse:
    return _post(client, report_id, "export", format=form, **data)


def _file_ids(app: Flask, report_id: int) -> list[int]:
    with _db(app) as db:
        return list(
            db.scalars(select(Attachment.id).where(Attachment.report_id == report_id).order_by(Attachment.id))
        )


def test_a_moderator_exports_the_case_as_a_pdf_with_a_header_on_every_page(
    app: Flask, admin: Account
) -> None:
    report_id = _case(app, admin)
    client = _client(app, admin)
    long_answer = "\n".join(
        f"Punkt {n}: vi har gått igenom underlaget och talat med berörda." for n in range(150)
    )
    assert act(client, report_id, "message", message=long_answer).status_code == 303
    response = _export(client, report_id, registration="KS 2026/123", include_notes="y")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"] == f"attachment; filename=case-{report_id}.pdf"
    pages = pages_text(response.data)
    text = "\n".join(pages)
    assert len(pages) >= 3
    for page_number, page in enumerate(pages, start=1):
        assert page.startswith(SECRECY), page[:200]
        assert f"Ärende {report_id} · Diarienummer: KS 2026/123" in page
        assert f"Sida {page_number} av {len(pages)}" in page
    flat = " ".join(text.split())
    assert " ".join(DESCRIPTION.split()) in flat
    assert flat.index(ANSWER) < flat.index(REPLY)  # the dialogue in order
    assert NOTE in flat
    assert "Punkt 0: vi har gått igenom" in flat and "Punkt 149: vi har gått igenom underlaget" in flat
    assert "• protokoll.txt (text/plain; charset=utf-8, 1 kB)" in flat and "hemligt.txt" in flat
    assert (
        f"Ärende {report_id} Status Bekräftad Mottagen {report(app, report_id).created_on.isoformat()} "
        "Typ Upplevd otillåten påverkan" in flat
    )
    assert "Mottagningsbekräftelse 2026-" in flat and "Exporterat 20" in flat and " av admin " in flat
    version = report(app, report_id).version
    assert events(app, f"case:{report_id}:version:{version}") == ["case:export:pdf"]
    # The registration number is printed, never kept: not in the audit log.
    with _db(app) as db:
        assert all("KS 2026" not in (s or "") for s in db.scalars(select(AuditEvent.subject)))


def test_notes_stay_out_unless_asked_for(app: Flask, admin: Account) -> None:
    report_id = _case(app, admin)
    text = "\n".join(pages_text(_export(_client(app, admin, "en"), report_id).data))
    assert NOTE not in text and "Internal notes" not in text
    assert f"Case {report_id} · Registration number: –" in text


def test_masked_passages_are_black_and_absent_from_the_bytes_and_the_text(app: Flask, admin: Account) -> None:
    report_id = _case(app, admin)
    client = _client(app, admin, "en")
    # Before: the name is in the text, and its Ł (in no other text of the case) in the font's map.
    unmasked = _export(client, report_id).data
    assert NAME in " ".join(pages_text(unmasked)[0].split())
    assert "Ł" in mapped_characters(unmasked)
    assert _post(client, report_id, "masks", target="report", passage=NAME).status_code == 303
    masked_reply = "dolt nummer"
    reply_target = "message:2"
    assert _post(client, report_id, "masks", target=reply_target, passage=masked_reply).status_code == 303
    page = case_html(client, report_id)
    assert '<q class="text-block">Åsa Öberg-Łukasiewicz</q>' in page

    pdf = _export(client, report_id).data
    assert_absent(pdf, NAME)
    assert_absent(pdf, "Łukasiewicz")
    assert_absent(pdf, masked_reply)
    # Not even a glyph of it: the Ł was only in the masked name.
    assert "Ł" not in mapped_characters(pdf) and "\u2588" in mapped_characters(pdf)
    flat = " ".join("\n".join(pages_text(pdf)).split())
    block = "\u2588" * len(NAME)
    assert f"Ordföranden {block} ringde mig hemma" in flat
    assert f"Han sa att {block} vet var" in flat
    assert "de kom från ett " + "\u2588" * len(masked_reply) in flat
    assert "Storgatan 12" in flat  # what is not masked is there
    assert events(app, f"case:{report_id}").count("case:mask:added") == 2
    assert events(app, f"case:{report_id}").count("case:export:pdf") == 0  # subjects name the version
    assert len([e for e in events(app) if e == "case:export:pdf"]) == 2


def test_only_the_chosen_occurrence_is_masked_and_a_mask_can_be_removed(app: Flask, admin: Account) -> None:
    report_id = _case(app, admin)
    client = _client(app, admin, "en")
    assert _post(client, report_id, "masks", target="report", passage=NAME, occurrence="2").status_code == 303
    flat = " ".join("\n".join(pages_text(_export(client, report_id).data)).split())
    assert f"Ordföranden {NAME} ringde" in flat and f"Han sa att {NAME} vet" not in flat
    with _db(app) as db:
        mask_id = db.scalars(select(CaseMask.id).where(CaseMask.report_id == report_id)).one()
    assert _post(client, report_id, f"masks/{mask_id}/remove").status_code == 303
    flat = " ".join("\n".join(pages_text(_export(client, report_id).data)).split())
    assert f"Han sa att {NAME} vet" in flat
    assert "case:mask:removed" in events(app, f"case:{report_id}")


def test_a_passage_not_in_the_text_is_refused_with_the_form_kept(app: Flask, admin: Account) -> None:
    report_id = _case(app, admin)
    client = _client(app, admin, "en")
    refused = _post(client, report_id, "masks", target="report", passage="Karl Karlsson")
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "That passage is not in the text you chose. Copy it exactly as it is written there." in page
    assert "Karl Karlsson</textarea>" in page
    too_many = _post(client, report_id, "masks", target="report", passage=NAME, occurrence="3")
    assert too_many.status_code == 400
    assert "The passage occurs 2 times in that text: choose a number from 1 to 2." in too_many.get_data(
        as_text=True
    )
    unknown = _post(client, report_id, "masks", target="message:99", passage=NAME)
    assert unknown.status_code == 400
    bad_number = _export(client, report_id, registration="KS<script>")
    assert bad_number.status_code == 400
    assert "A registration number has letters, digits, spaces and - / . : ( ) only." in bad_number.get_data(
        as_text=True
    )
    with _db(app) as db:
        assert db.scalars(select(CaseMask.id)).all() == []
    assert not [e for e in events(app, f"case:{report_id}") if e.startswith(("case:mask", "case:export"))]


def test_the_zip_holds_the_pdf_and_the_files_not_masked(app: Flask, admin: Account) -> None:
    report_id = _case(app, admin)
    client = _client(app, admin, "en")
    first, second = _file_ids(app, report_id)
    assert _post(client, report_id, "masks/files", files=str(second)).status_code == 303
    response = _export(client, report_id, "zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    entries = zip_entries(response.data)
    assert sorted(entries) == [f"case-{report_id}.pdf", "files/01-protokoll.txt"]
    assert entries["files/01-protokoll.txt"] == FILES["protokoll.txt"]
    flat = " ".join("\n".join(pages_text(entries[f"case-{report_id}.pdf"])).split())
    assert "A file, masked (not exported)" in flat and "hemligt.txt" not in flat
    version = report(app, report_id).version
    assert events(app, f"case:{report_id}:version:{version}") == ["case:export:zip"]
    assert "case:filemasks:changed" in events(app, f"case:{report_id}")


def test_a_masked_passage_stays_masked_in_the_notes_and_the_file_names(app: Flask, admin: Account) -> None:
    """What the moderator masked in the report is masked where it recurs unmarked: in an internal
    note and in a file's name (the PDF's file list and the zip's entries)."""
    reporter = app.test_client()
    named: Any = [(io.BytesIO(b"Intyg\n"), "intyg Storgatan 12.txt")]
    report_and_get_code(reporter, description=DESCRIPTION, attachments=named)
    with _db(app) as db:
        report_id = db.scalars(select(Report.id).order_by(Report.id.desc())).first()
    assert report_id is not None
    client = _client(app, admin, "en")
    assert act(client, report_id, "note", note=f"Ring {NAME} om Storgatan 12 i morgon.").status_code == 303
    assert _post(client, report_id, "masks", target="report", passage=NAME).status_code == 303
    assert _post(client, report_id, "masks", target="report", passage="Storgatan 12").status_code == 303
    pdf = _export(client, report_id, include_notes="y").data
    assert_absent(pdf, NAME)
    assert_absent(pdf, "Storgatan")
    flat = " ".join("\n".join(pages_text(pdf)).split())
    assert "Ring " + "\u2588" * len(NAME) + " om " in flat and "i morgon." in flat
    entries = zip_entries(_export(client, report_id, "zip", include_notes="y").data)
    assert not [name for name in entries if "Storgatan" in name]
    assert len(entries) == 2  # the PDF and the file, under a masked name


def test_a_moderator_kept_out_of_the_case_exports_nothing(
    app: Flask, admin: Account, moderator: AccountFactory
) -> None:
    report_id = _case(app, admin)
    mona = moderator("mona")
    grant(app, "mona", admin)
    mona_client = _client(app, mona, "en")
    assert _export(mona_client, report_id).status_code == 200  # granted: she may
    with _db(app) as db:
        mona_id = accounts.find(db, "mona").id
    keep_out(app, admin, report_id, mona_id)
    before = events(app)
    token = csrf_from(mona_client.get("/moderation/cases").get_data(as_text=True))
    for path, data in (
        ("export", {"format": "pdf"}),
        ("export", {"format": "zip"}),
        ("masks", {"target": "report", "passage": NAME}),
        ("masks/files", {"files": str(_file_ids(app, report_id)[0])}),
    ):
        response = mona_client.post(
            f"/moderation/cases/{report_id}/{path}", data={"csrf_token": token, **data}
        )
        assert response.status_code == 404, path
        assert NAME.encode() not in response.data and b"%PDF" not in response.data
    assert events(app) == before
    with _db(app) as db:
        assert db.scalars(select(CaseMask.id)).all() == []


def test_the_organisations_own_secrecy_marking_heads_every_page(app: Flask, admin: Account) -> None:
    report_id = _case(app, admin)
    client = _client(app, admin)
    own = "Sekretess enligt OSL 17 kap. 3 b §. Får inte lämnas ut utan sekretessprövning (Ödeshögs kommun)."
    token = csrf_from(client.get("/moderation/texts").get_data(as_text=True))
    saved = client.post(
        "/moderation/texts", data={"csrf_token": token, "intro": "", "contacts": "", "secrecy_marking": own}
    )
    assert saved.status_code == 303
    pages = pages_text(_export(client, report_id).data)
    assert [" ".join(page.split()).startswith(own) for page in pages] == [True] * len(pages)
    # Too long a marking: the same form, the text kept, one sentence.
    refused = client.post(
        "/moderation/texts",
        data={"csrf_token": token, "intro": "", "contacts": "", "secrecy_marking": "x" * 301},
    )
    assert refused.status_code == 400
    assert "x" * 301 in refused.get_data(as_text=True)
