"""The export's PDF layout and zip (issue 15 part 3): text wraps and runs on to new pages, each
with the secrecy marking, the running head and its number; any script the font covers prints,
what it lacks shows as a replacement sign; zip entries get plain names."""

from __future__ import annotations

import io
import zipfile

import pytest

from portal.cases.export import archive, pdf
from portal.cases.export.document import Document, Entry, Section
from tests.export_helpers import pages_text, zip_entries

SECRECY = "Sekretess enligt 17 kap. 3 b § och 32 kap. 3 b § offentlighets- och sekretesslagen (2009:400)"


def _document(text: str, files: list[str] | None = None) -> Document:
    return Document(
        title="Ärende 7",
        secrecy=SECRECY,
        running_head="Ärende 7 · Diarienummer: KS 2026/9",
        page_label="Sida {page} av {nb}",
        facts=[("Status", "Ny"), ("Mottagen", "2026-12-01")],
        sections=[Section("Anmälan", [Entry("", text, files or [])]), Section("Filer", [], "Inga filer.")],
    )


def test_a_long_text_wraps_and_paginates_with_the_header_on_every_page() -> None:
    text = "\n".join(f"Stycke {n}: ordföranden ringde och hotade handläggaren igen." for n in range(200))
    pages = pages_text(pdf.render(_document(text)))
    assert len(pages) >= 4
    for number, page in enumerate(pages, start=1):
        lines = page.splitlines()
        assert lines[0] == SECRECY
        assert lines[1] == f"Ärende 7 · Diarienummer: KS 2026/9 Sida {number} av {len(pages)}"
    flat = " ".join("\n".join(pages).split())
    assert (
        "Stycke 0: ordföranden" in flat
        and "Stycke 199: ordföranden ringde och hotade handläggaren igen." in flat
    )
    assert flat.endswith("Filer Inga filer.")


def test_a_word_longer_than_a_line_is_broken_not_lost() -> None:
    word = "x" * 400
    text = "\n".join(pages_text(pdf.render(_document(word))))
    assert "".join(text.split()).count("x") == 400


@pytest.mark.parametrize(
    "name", ["Åsa Öberg", "Łukasz Żółć", "Ελένη Παπαδοπούλου", "Иван Петров", "Tab\tstopp"]
)
def test_names_in_any_script_the_font_covers_come_out_as_written(name: str) -> None:
    text = " ".join(pages_text(pdf.render(_document(f"Anmäld: {name}.")))[0].split())
    assert f"Anmäld: {' '.join(name.split())}." in text


def test_a_character_the_font_lacks_prints_as_a_replacement_sign() -> None:
    text = pages_text(pdf.render(_document("Namn: 漢字 slut")))[0]
    assert "Namn: \ufffd\ufffd slut" in text


def test_zip_entries_have_plain_numbered_names_and_no_dates_of_the_reporter() -> None:
    data = archive.build(
        "case-7.pdf", b"%PDF", [("../../etc/passwd", b"a"), ("C:\\x\\bild.jpg", b"b"), ("...", b"c")]
    )
    assert zip_entries(data) == {
        "case-7.pdf": b"%PDF",
        "files/01-passwd": b"a",
        "files/02-bild.jpg": b"b",
        "files/03-file": b"c",
    }
    with zipfile.ZipFile(io.BytesIO(data)) as opened:
        assert {info.date_time for info in opened.infolist()} == {(1980, 1, 1, 0, 0, 0)}
