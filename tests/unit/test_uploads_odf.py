"""Cleaning of ODT, ODS and ODP: each test builds a real document with odfpy (and zip surgery for
what odfpy cannot write), plants canaries, cleans it through ``sanitize()``, and proves that the
canaries are gone and that odfpy still loads the document with its text."""

from __future__ import annotations

import zipfile
from io import BytesIO

import pytest
from odf import dc, draw, meta, office, teletype, text
from odf.config import ConfigItem, ConfigItemSet
from odf.namespaces import TEXTNS, XMLNS
from odf.opendocument import (
    OpenDocument,
    OpenDocumentChart,
    OpenDocumentPresentation,
    OpenDocumentSpreadsheet,
    OpenDocumentText,
    load,
)
from odf.style import MasterPage, PageLayout
from odf.table import Table, TableCell, TableRow

from portal.cases.uploads import CannotClean, CleanFile, Removal, sanitize
from tests.unit.office_helpers import (
    BEACON,
    CANARY,
    CANARY_MAIL,
    SHARE,
    assert_no_canary,
    assert_pictures_clean,
    assert_valid_zip,
    edit,
    entries,
    photo,
    replace,
)
from tests.unit.upload_canaries import refused_promptly

ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
BODY = "Mutan erbjöds den 3 mars."
FILE_URL = "file:///C:/Users/CanaryUser/Documents/hemligt.odt"


def _save(document: OpenDocument) -> bytes:
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def _odt(*paragraphs: object) -> OpenDocumentText:
    document = OpenDocumentText()
    document.text.addElement(text.P(text=BODY))
    for paragraph in paragraphs:
        document.text.addElement(paragraph)
    return document


def _texts(data: bytes) -> list[str]:
    document = load(BytesIO(data))
    return [teletype.extractText(p) for p in document.body.getElementsByType(text.P)]


def _clean(name: str, data: bytes) -> CleanFile:
    clean = sanitize(name, data)
    assert_valid_zip(clean.data)
    assert_no_canary(clean.data)
    with zipfile.ZipFile(BytesIO(clean.data)) as archive:
        first = archive.infolist()[0]
        assert (first.filename, first.compress_type) == ("mimetype", zipfile.ZIP_STORED)
        # The manifest lists exactly the files that are there.
        listed = {
            path
            for path in _manifest_paths(archive.read("META-INF/manifest.xml"))
            if path != "/" and not path.endswith("/")
        }
        assert listed == set(archive.namelist()) - {"mimetype", "META-INF/manifest.xml"}
    return clean


def _manifest_paths(manifest: bytes) -> list[str]:
    marker = b'manifest:full-path="'
    return [part.split(b'"')[0].decode() for part in manifest.split(marker)[1:]]


def _content(data: bytes) -> bytes:
    return entries(data)["content.xml"]


# --- properties, settings, thumbnail ------------------------------------------------------------


def _odt_with_properties() -> bytes:
    document = _odt()
    document.meta.addElement(meta.InitialCreator(text=CANARY))
    document.meta.addElement(dc.Creator(text=CANARY))
    document.meta.addElement(dc.Title(text="canary"))
    document.meta.addElement(meta.Template(href=FILE_URL, type="simple", title="Canary"))
    document.meta.addElement(meta.UserDefined(name="Handläggare", text=CANARY_MAIL))
    settings = ConfigItemSet(name="ooo:configuration-settings")
    settings.addElement(ConfigItem(name="PrinterName", type="string", text="\\\\CANARY-PRN01\\Plan 2"))
    settings.addElement(ConfigItem(name="PrinterSetup", type="base64Binary", text="Y2FuYXJ5"))
    document.settings.addElement(settings)
    document.addThumbnail(photo("PNG"))
    data = _save(document)
    # mimetype deliberately second and deflated: the output must put it first and stored anyway.
    parts = entries(data)
    mimetype = parts.pop("mimetype")
    reordered = BytesIO()
    with zipfile.ZipFile(reordered, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in [*list(parts.items())[:1], ("mimetype", mimetype), *list(parts.items())[1:]]:
            archive.writestr(name, content)
    return reordered.getvalue()


def test_odt_meta_is_emptied_and_mimetype_is_first_and_stored() -> None:
    original = _odt_with_properties()
    assert b"canary" in entries(original)["meta.xml"].lower()

    clean = _clean("brev.odt", original)

    assert clean.media_type == ODT_MIMETYPE.decode()
    assert {Removal.PROPERTIES, Removal.PATHS, Removal.THUMBNAIL} <= clean.removed
    # ODF readers look for the type at a fixed offset: local header (30 bytes) + "mimetype".
    assert clean.data[30:38] == b"mimetype" and clean.data[38 : 38 + len(ODT_MIMETYPE)] == ODT_MIMETYPE
    after = entries(clean.data)
    assert not [n for n in after if n.startswith("Thumbnails")]
    assert b"PrinterName" not in after["settings.xml"] and b"meta:" not in after["meta.xml"]
    reloaded = load(BytesIO(clean.data))
    assert reloaded.meta.childNodes == [] or not teletype.extractText(reloaded.meta)
    assert _texts(clean.data) == [BODY]


def test_a_plain_document_reports_only_what_it_holds_and_a_clean_one_nothing() -> None:
    once = _clean("enkel.odt", _save(_odt()))
    assert once.removed == {Removal.PROPERTIES}  # odfpy writes its generator into meta.xml
    assert sanitize("enkel.odt", once.data).removed == frozenset()


# --- pictures ------------------------------------------------------------------------------------


def _frame(document: OpenDocument, href: str, name: str = "Bild") -> draw.Frame:
    frame = draw.Frame(name=name, width="2cm", height="1.5cm", anchortype="paragraph")
    frame.addElement(draw.Image(href=href, type="simple", show="embed", actuate="onLoad"))
    return frame


@pytest.mark.parametrize("kind", ["odt", "ods", "odp"])
def test_photos_lose_exif_and_gps_in_every_odf_kind(kind: str) -> None:
    document: OpenDocument
    if kind == "odt":
        document = _odt()
        paragraph = text.P()
        paragraph.addElement(_frame(document, document.addPicture("Pictures/a.jpg", "image/jpeg", photo())))
        paragraph.addElement(
            _frame(document, document.addPicture("Pictures/b.png", "image/png", photo("PNG")))
        )
        document.text.addElement(paragraph)
    elif kind == "ods":
        document = OpenDocumentSpreadsheet()
        table = Table(name="Blad1")
        row, cell = TableRow(), TableCell()
        cell.addElement(text.P(text=BODY))
        cell.addElement(_frame(document, document.addPicture("Pictures/a.jpg", "image/jpeg", photo())))
        row.addElement(cell)
        table.addElement(row)
        document.spreadsheet.addElement(table)
    else:
        document = _presentation()
        page = document.presentation.getElementsByType(draw.Page)[0]
        page.addElement(_frame(document, document.addPicture("Pictures/a.jpg", "image/jpeg", photo())))
    original = _save(document)

    clean = _clean(f"bilder.{kind}", original)

    assert Removal.EMBEDDED_IMAGES in clean.removed
    assert_pictures_clean(clean.data, 2 if kind == "odt" else 1)
    assert BODY in _texts(clean.data)
    assert len(load(BytesIO(clean.data)).body.getElementsByType(draw.Image)) == (2 if kind == "odt" else 1)


# --- tracked changes and comments ----------------------------------------------------------------


def _change(change_id: str, kind: type, content: list[object]) -> text.ChangedRegion:
    region = text.ChangedRegion(qattributes={(XMLNS, "id"): change_id, (TEXTNS, "id"): change_id})
    change = kind()
    info = office.ChangeInfo()
    info.addElement(dc.Creator(text=CANARY))
    info.addElement(dc.Date(text="2024-03-01T10:00:00"))
    change.addElement(info)
    for element in content:
        change.addElement(element)
    region.addElement(change)
    return region


def test_odt_tracked_changes_keep_insertions_and_lose_deletions_and_authors() -> None:
    changes = text.TrackedChanges()
    changes.addElement(_change("ct1", text.Deletion, [text.P(text="Raderat av canary")]))
    changes.addElement(_change("ct2", text.Insertion, []))
    paragraph = text.P(text="Före ")
    paragraph.addElement(text.Change(changeid="ct1"))
    paragraph.addElement(text.ChangeStart(changeid="ct2"))
    paragraph.addText("TILLAGT")
    paragraph.addElement(text.ChangeEnd(changeid="ct2"))
    paragraph.addText(" efter")
    document = OpenDocumentText()
    document.text.addElement(changes)
    document.text.addElement(text.P(text=BODY))
    document.text.addElement(paragraph)

    clean = _clean("ändrad.odt", _save(document))

    assert clean.removed == {Removal.TRACKED_CHANGES, Removal.PROPERTIES}
    assert _texts(clean.data) == [BODY, "Före TILLAGT efter"]
    assert b"tracked-changes" not in _content(clean.data) and b"text:change" not in _content(clean.data)


def _annotation(body: str) -> office.Annotation:
    note = office.Annotation(name="c1")
    note.addElement(dc.Creator(text=CANARY))
    note.addElement(dc.Date(text="2024-03-01T10:00:00"))
    note.addElement(text.P(text=body))
    return note


def test_comments_are_removed_in_text_and_in_spreadsheet_cells() -> None:
    paragraph = text.P(text="Kommenterad ")
    paragraph.addElement(_annotation("Det här skrev canary"))
    paragraph.addText("mening")
    paragraph.addElement(office.AnnotationEnd(name="c1"))
    paragraph.addText(".")
    odt = _clean("kommentar.odt", _save(_odt(paragraph)))

    sheet = OpenDocumentSpreadsheet()
    table, row, cell = Table(name="Blad1"), TableRow(), TableCell()
    cell.addElement(_annotation("canary i cellen"))
    cell.addElement(text.P(text=BODY))
    row.addElement(cell)
    table.addElement(row)
    sheet.spreadsheet.addElement(table)
    ods = _clean("kommentar.ods", _save(sheet))

    # LibreOffice Impress writes its slide comments in its own namespace.
    presentation = replace(
        _save(_presentation()),
        "content.xml",
        b"</draw:page>",
        b'<officeooo:annotation xmlns:officeooo="http://openoffice.org/2009/office"'
        b' xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>'
        + CANARY.encode()
        + b"</dc:creator><text:p>canary</text:p></officeooo:annotation></draw:page>",
    )
    odp = _clean("kommentar.odp", presentation)

    for clean in (odt, ods, odp):
        assert clean.removed == {Removal.COMMENTS, Removal.PROPERTIES}
        assert b"annotation" not in _content(clean.data)
    assert _texts(odt.data) == [BODY, "Kommenterad mening."]
    assert _texts(ods.data) == [BODY] and _texts(odp.data) == [BODY]


# --- links, scripts, objects ---------------------------------------------------------------------


def test_references_that_would_be_fetched_are_removed_and_web_links_kept() -> None:
    document = _odt()
    paragraph = text.P(text="Se ")
    paragraph.addElement(text.A(href="https://example.org/sida", type="simple", text="webben"))
    paragraph.addElement(text.A(href=FILE_URL, type="simple", text=" filen"))
    paragraph.addElement(
        text.A(href="vnd.sun.star.script:Standard.Module1.Main?language=Basic", type="simple", text=" makrot")
    )
    paragraph.addElement(_frame(document, BEACON))
    paragraph.addElement(_frame(document, SHARE.replace("\\", "/")))
    document.text.addElement(paragraph)
    section = text.Section(name="Länkad")
    section.addElement(text.SectionSource(href="https://canary.example/delat.odt", type="simple"))
    section.addElement(text.P(text="Sektionstext"))
    document.text.addElement(section)

    clean = _clean("länkar.odt", _save(document))

    assert {Removal.EXTERNAL_LINKS, Removal.PATHS, Removal.ACTIVE_CONTENT} <= clean.removed
    content = _content(clean.data)
    assert b"https://example.org/sida" in content
    assert b"draw:frame" not in content and b"section-source" not in content
    assert _texts(clean.data) == [BODY, "Se webben filen makrot", "Sektionstext"]


def test_ods_formulas_into_files_keep_their_value() -> None:
    sheet = OpenDocumentSpreadsheet()
    table, row = Table(name="Blad1"), TableRow()
    row.addElement(TableCell(valuetype="float", value="42", formula=f"of:=['{FILE_URL}'#$Blad1.A1]"))
    table.addElement(row)
    sheet.spreadsheet.addElement(table)

    clean = _clean("formel.ods", _save(sheet))

    assert Removal.PATHS in clean.removed
    cells = load(BytesIO(clean.data)).spreadsheet.getElementsByType(TableCell)
    assert [c.getAttribute("value") for c in cells] == ["42"] and b"formula" not in _content(clean.data)


def test_scripts_event_handlers_and_macro_libraries_are_removed() -> None:
    document = _odt()
    original = _save(document)
    script_ns = 'xmlns:script="urn:oasis:names:tc:opendocument:xmlns:script:1.0" xmlns:xlink="http://www.w3.org/1999/xlink"'
    original = replace(
        original,
        "content.xml",
        b"<office:body>",
        (
            f'<office:scripts {script_ns}><office:event-listeners><script:event-listener script:language="ooo:script"'
            ' script:event-name="dom:load" xlink:href="vnd.sun.star.script:Standard.canary.Main?language=Basic"/>'
            "</office:event-listeners></office:scripts><office:body>"
        ).encode(),
    )
    manifest = entries(original)["META-INF/manifest.xml"].replace(
        b"</manifest:manifest>",
        b'<manifest:file-entry manifest:full-path="Basic/Standard/canary.xml" manifest:media-type="text/xml"/>'
        b'<manifest:file-entry manifest:full-path="Basic/" manifest:media-type=""/></manifest:manifest>',
    )
    original = edit(
        original,
        {"META-INF/manifest.xml": manifest, "Basic/Standard/canary.xml": b'<module>Shell("calc")</module>'},
    )

    clean = _clean("makro.odt", original)

    assert Removal.ACTIVE_CONTENT in clean.removed
    assert not [n for n in entries(clean.data) if n.startswith("Basic")]
    assert b"script" not in _content(clean.data).replace(b"xmlns:script", b"")
    assert _texts(clean.data) == [BODY]


def _presentation() -> OpenDocumentPresentation:
    document = OpenDocumentPresentation()
    layout = PageLayout(name="L")
    document.automaticstyles.addElement(layout)
    master = MasterPage(name="M", pagelayoutname=layout)
    document.masterstyles.addElement(master)
    page = draw.Page(masterpagename=master)
    box = draw.Frame(width="10cm", height="2cm", x="1cm", y="1cm")
    textbox = draw.TextBox()
    textbox.addElement(text.P(text=BODY))
    box.addElement(textbox)
    page.addElement(box)
    document.presentation.addElement(page)
    return document


def test_odp_click_actions_that_run_programs_are_removed() -> None:
    original = replace(
        _save(_presentation()),
        "content.xml",
        b"</draw:text-box>",
        (
            '</draw:text-box><office:event-listeners><presentation:event-listener script:event-name="dom:click"'
            ' xmlns:script="urn:oasis:names:tc:opendocument:xmlns:script:1.0" xmlns:xlink="http://www.w3.org/1999/xlink"'
            f' presentation:action="execute" xlink:href="{FILE_URL}"/></office:event-listeners>'
        ).encode(),
    )

    clean = _clean("bildspel.odp", original)

    assert Removal.ACTIVE_CONTENT in clean.removed and b"event-listener" not in _content(clean.data)
    assert _texts(clean.data) == [BODY]


def _with_object(child: OpenDocument) -> bytes:
    document = _odt()
    href = document.addObject(child)
    frame = draw.Frame(width="5cm", height="5cm", anchortype="paragraph")
    frame.addElement(draw.Object(href=href))
    paragraph = text.P()
    paragraph.addElement(frame)
    document.text.addElement(paragraph)
    return _save(document)


def test_embedded_documents_are_removed_and_charts_kept_without_their_metadata() -> None:
    inner = OpenDocumentText()
    inner.text.addElement(text.P(text="Inbäddad text av canary"))
    inner.meta.addElement(dc.Creator(text=CANARY))
    embedded = _clean("inbäddad.odt", _with_object(inner))

    assert Removal.EMBEDDED_FILES in embedded.removed
    assert not [n for n in entries(embedded.data) if n.startswith("Object")]
    assert b"draw:object" not in _content(embedded.data) and _texts(embedded.data)[0] == BODY

    # A chart is a sub-document; odfpy writes no meta.xml for it, LibreOffice does.
    original = _with_object(OpenDocumentChart())
    chart_meta = entries(original)["meta.xml"].replace(
        b"<office:meta>",
        f'<office:meta><dc:creator xmlns:dc="http://purl.org/dc/elements/1.1/">{CANARY}</dc:creator>'.encode(),
    )
    manifest = entries(original)["META-INF/manifest.xml"].replace(
        b"</manifest:manifest>",
        b'<manifest:file-entry manifest:full-path="Object 1/meta.xml" manifest:media-type="text/xml"/></manifest:manifest>',
    )
    charted = _clean(
        "diagram.odt", edit(original, {"Object 1/meta.xml": chart_meta, "META-INF/manifest.xml": manifest})
    )

    after = entries(charted.data)
    assert "Object 1/content.xml" in after and b"meta:" not in after["Object 1/meta.xml"]
    assert b"draw:object" in _content(charted.data)
    load(BytesIO(charted.data))


def test_libreoffice_rsids_are_removed() -> None:
    original = replace(
        _save(_odt()),
        "content.xml",
        b"<office:automatic-styles/>",
        b'<office:automatic-styles><style:style xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"'
        b' xmlns:officeooo="http://openoffice.org/2009/office" style:name="P1" style:family="paragraph">'
        b'<style:text-properties officeooo:rsid="0012ab34" officeooo:paragraph-rsid="0012ab34"/></style:style>'
        b"</office:automatic-styles>",
    )
    clean = sanitize("rsid.odt", original)
    assert b"rsid" not in _content(clean.data)


def test_encrypted_document_is_refused() -> None:
    original = replace(
        _save(_odt()),
        "META-INF/manifest.xml",
        b'manifest:full-path="content.xml" manifest:media-type="text/xml"/>',
        b'manifest:full-path="content.xml" manifest:media-type="text/xml"><manifest:encryption-data/></manifest:file-entry>',
    )
    with pytest.raises(CannotClean):
        sanitize("hemlig.odt", original)


def test_billion_laughs_in_content_is_refused_quickly() -> None:
    laughs = b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">' + b"".join(
        b'<!ENTITY a%d "%s">' % (i, b"&a%d;" % (i - 1) * 10 if i > 1 else b"&a;" * 10) for i in range(1, 10)
    )
    laughs += b"]><office:document-content>&a9;</office:document-content>"
    refused_promptly(CannotClean, "elak.odt", edit(_save(_odt()), {"content.xml": laughs}))
