"""Cleaning of DOCX, XLSX and PPTX: each test builds a real document with the library that writes
it, plants canaries where Office keeps identifying data or active content, cleans it through
``sanitize()``, and proves both that the canaries are gone and that the document still opens with
its text."""

from __future__ import annotations

import functools
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Protocol

import docx
import openpyxl
import pptx
import pytest
from openpyxl.comments import Comment
from openpyxl.drawing.image import Image as XlImage

from portal.cases.uploads import CannotClean, CleanFile, DamagedFile, Removal, UploadRefused, sanitize
from tests.unit.office_helpers import (
    BEACON,
    CANARY,
    CANARY_MAIL,
    OFFICE_CT,
    REL,
    SHARE,
    USER_PATH,
    assert_no_canary,
    assert_package_consistent,
    assert_pictures_clean,
    assert_valid_zip,
    edit,
    entries,
    photo,
    plant,
    rels_of,
    replace,
    with_override,
    with_rel,
)
from tests.unit.upload_canaries import refused_promptly

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
BODY = "Mutan erbjöds den 3 mars."


class _Saveable(Protocol):
    """A python-docx, python-pptx or openpyxl document."""

    def save(self, file: BytesIO, /) -> None: ...


def _save(document: _Saveable) -> bytes:
    out = BytesIO()
    document.save(out)
    return out.getvalue()


@functools.cache
def _docx(*paragraphs: str) -> bytes:
    document = docx.Document()
    for text in paragraphs or (BODY,):
        document.add_paragraph(text)
    return _save(document)


def _docx_with(xml: str) -> bytes:
    """A document whose second paragraph is the given WordprocessingML (runs and what wraps them),
    with a header whose text is "@@H@@"."""
    return replace(_docx_template(), "word/document.xml", b"<w:r><w:t>@@X@@</w:t></w:r>", xml.encode())


@functools.cache
def _docx_template() -> bytes:
    document = docx.Document()
    document.add_paragraph(BODY)
    document.add_paragraph("@@X@@")
    document.sections[0].header.paragraphs[0].text = "@@H@@"
    return _save(document)


def _texts(data: bytes) -> list[str]:
    return [p.text for p in docx.Document(BytesIO(data)).paragraphs]


def _clean(name: str, data: bytes) -> CleanFile:
    clean = sanitize(name, data)
    assert_valid_zip(clean.data)
    assert_no_canary(clean.data)
    assert_package_consistent(clean.data)
    return clean


def _rels(data: bytes, part: str) -> bytes:
    return entries(data)[rels_of(part)]


# --- DOCX -----------------------------------------------------------------------------------------

APP_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    f"<Template>{USER_PATH}\\Canary.dotm</Template><TotalTime>431</TotalTime>"
    f"<Company>{CANARY} AB</Company><Manager>{CANARY}</Manager></Properties>"
).encode()
CUSTOM_XML_PROPS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"'
    ' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="Handläggare">'
    f"<vt:lpwstr>{CANARY_MAIL}</vt:lpwstr></property></Properties>"
).encode()


def _docx_with_properties(core_name: str = "docProps/core.xml") -> bytes:
    document = docx.Document()
    document.add_paragraph(BODY)
    props = document.core_properties
    props.author = props.last_modified_by = CANARY
    props.comments, props.keywords, props.title = f"{CANARY} skrev", "canary", "Canary"
    data = edit(_save(document), {"docProps/app.xml": APP_XML})
    data = plant(
        data,
        "docProps/custom.xml",
        CUSTOM_XML_PROPS,
        OFFICE_CT + "custom-properties+xml",
        "",
        REL + "custom-properties",
    )
    if core_name != "docProps/core.xml":
        parts = entries(data)
        parts[core_name] = parts.pop("docProps/core.xml")
        data = edit(data, {"docProps/core.xml": None, core_name: parts[core_name]})
    return data


@pytest.mark.parametrize("core_name", ["docProps/core.xml", "DOCPROPS/CORE.XML"])
def test_docx_properties_are_emptied_and_the_rest_is_kept(core_name: str) -> None:
    original = _docx_with_properties(core_name)
    assert b"canary" in b"".join(entries(original).values()).lower()

    clean = _clean("protokoll.docx", original)

    assert clean.filename == "protokoll.docx" and Removal.PROPERTIES in clean.removed
    assert clean.media_type == DOCX_TYPE
    before, after = entries(original), entries(clean.data)
    # Same entries in the same order, except what this file had to lose (customXml, thumbnail).
    assert [n for n in after] == [n for n in before if not n.startswith(("customXml", "docProps/thumb"))]
    for name in after:
        if name.lower().startswith("docprops/"):
            assert after[name].startswith(b"<?xml") and after[name] != before[name]
    if core_name == "docProps/core.xml":  # python-docx finds parts by exact name only
        document = docx.Document(BytesIO(clean.data))
        assert document.core_properties.author == "" and document.core_properties.title == ""
        assert _texts(clean.data) == [BODY]


def test_docx_photos_lose_exif_and_gps_and_keep_their_size(tmp_path: Path) -> None:
    # A phone photo keeps its file name as the picture's name: it says when it was taken.
    camera_file = tmp_path / "IMG_20240301_141512.jpg"
    camera_file.write_bytes(photo())
    document = docx.Document()
    document.add_paragraph(BODY)
    document.add_picture(str(camera_file))
    document.add_picture(BytesIO(photo("PNG")))
    document.sections[0].header.paragraphs[0].add_run().add_picture(BytesIO(photo(shade=9)))
    original = _save(document)
    assert b"IMG_20240301" in entries(original)["word/document.xml"]

    clean = _clean("bilder.docx", original)

    assert Removal.EMBEDDED_IMAGES in clean.removed
    assert_pictures_clean(clean.data, 3)
    assert b"IMG_20240301" not in entries(clean.data)["word/document.xml"]
    reopened = docx.Document(BytesIO(clean.data))
    assert len(reopened.inline_shapes) == 2 and reopened.paragraphs[0].text == BODY


def test_docx_thumbnail_is_removed_with_its_relationship() -> None:
    original = _docx()
    assert "docProps/thumbnail.jpeg" in entries(original)  # python-docx's template has one

    clean = _clean("brev.docx", original)

    assert Removal.THUMBNAIL in clean.removed
    assert not [n for n in entries(clean.data) if "thumbnail" in n.lower()]
    assert b"thumbnail" not in _rels(clean.data, "") and _texts(clean.data) == [BODY]


def test_docx_tracked_changes_keep_insertions_and_lose_deletions_and_authors() -> None:
    who = f'w:id="{{}}" w:author="{CANARY}" w:date="2024-03-01T10:00:00Z"'
    original = _docx_with(
        f'<w:r><w:t xml:space="preserve">Före </w:t></w:r>'
        f"<w:ins {who.format(1)}><w:r><w:t>TILLAGT</w:t></w:r></w:ins>"
        f"<w:del {who.format(2)}><w:r><w:delText>Raderat av canary</w:delText></w:r>"
        '<w:hyperlink r:id="rIdDeletedLink"><w:r><w:delText>länk</w:delText></w:r></w:hyperlink></w:del>'
        f'<w:moveFromRangeStart {who.format(3)} w:name="move1"/>'
        f"<w:moveFrom {who.format(4)}><w:r><w:t>Flyttat bort canary</w:t></w:r></w:moveFrom>"
        '<w:moveFromRangeEnd w:id="3"/>'
        f"<w:moveTo {who.format(5)}><w:r><w:t> FLYTTAT</w:t></w:r></w:moveTo>"
        f"<w:r><w:rPr><w:b/><w:rPrChange {who.format(6)}><w:rPr><w:i/></w:rPr></w:rPrChange></w:rPr>"
        '<w:t xml:space="preserve"> efter</w:t></w:r>'
    )
    # A deleted link's address must not stay behind in the relationships.
    original = edit(
        original,
        {
            rels_of("word/document.xml"): with_rel(
                _rels(original, "word/document.xml"),
                "rIdDeletedLink",
                REL + "hyperlink",
                "https://canary.example/profil",
                external=True,
            )
        },
    )
    # A deleted table row holds deleted text too.
    table = (
        "<w:tbl><w:tblGrid><w:gridCol/></w:tblGrid><w:tr><w:tc><w:p><w:r><w:t>Rad kvar</w:t></w:r></w:p></w:tc></w:tr>"
        f"<w:tr><w:trPr><w:del {who.format(8)}/></w:trPr><w:tc><w:p><w:r><w:delText>canary rad</w:delText></w:r></w:p></w:tc></w:tr></w:tbl>"
    )
    original = replace(original, "word/document.xml", b"<w:sectPr", table.encode() + b"<w:sectPr")
    # The same in the header: tracked changes live in every part with text.
    original = replace(
        original,
        "word/header1.xml",
        b"<w:r><w:t>@@H@@</w:t></w:r>",
        f"<w:r><w:t>Sidhuvud</w:t></w:r><w:del {who.format(7)}><w:r><w:delText>canary</w:delText></w:r></w:del>".encode(),
    )

    clean = _clean("ändrad.docx", original)

    assert clean.removed == {Removal.TRACKED_CHANGES, Removal.PROPERTIES, Removal.THUMBNAIL}
    assert _texts(clean.data) == [BODY, "Före TILLAGT FLYTTAT efter"]
    document = entries(clean.data)["word/document.xml"]
    for mark in (b"w:ins ", b"w:del ", b"w:moveFrom", b"w:moveTo", b"w:rPrChange", b"w:author"):
        assert mark not in document
    reopened = docx.Document(BytesIO(clean.data))
    assert reopened.sections[0].header.paragraphs[0].text == "Sidhuvud"
    assert [[c.text for c in row.cells] for row in reopened.tables[0].rows] == [["Rad kvar"]]


PEOPLE_XML = (
    f'<w15:people xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml"><w15:person w15:author="{CANARY}">'
    f'<w15:presenceInfo w15:providerId="AD" w15:userId="S::{CANARY_MAIL}::0b1c"/></w15:person></w15:people>'
).encode()
WORD_2012 = "http://schemas.microsoft.com/office/2011/relationships/"


def test_docx_comments_people_and_their_markers_are_removed() -> None:
    document = docx.Document()
    paragraph = document.add_paragraph(BODY)
    document.add_comment(paragraph.runs, text="Det här skrev canary", author=CANARY, initials="CP")
    original = _save(document)
    for name, ctype, rel in [
        ("word/commentsExtended.xml", "commentsExtended", WORD_2012 + "commentsExtended"),
        (
            "word/commentsIds.xml",
            "commentsIds",
            "http://schemas.microsoft.com/office/2016/09/relationships/commentsIds",
        ),
        (
            "word/commentsExtensible.xml",
            "commentsExtensible",
            "http://schemas.microsoft.com/office/2018/08/relationships/commentsExtensible",
        ),
        ("word/people.xml", "people", WORD_2012 + "people"),
    ]:
        content = PEOPLE_XML if "people" in name else f"<x>canary {ctype}</x>".encode()
        original = plant(
            original,
            name,
            content,
            OFFICE_CT + f"wordprocessingml.{ctype}+xml",
            "word/document.xml",
            rel,
            rid=f"rId{ctype}",
        )
    assert b"commentReference" in entries(original)["word/document.xml"]

    clean = _clean("kommentarer.docx", original)

    # Exactly what the file held: python-docx's template adds its properties and thumbnail.
    assert clean.removed == {Removal.COMMENTS, Removal.PEOPLE, Removal.PROPERTIES, Removal.THUMBNAIL}
    after = entries(clean.data)
    assert not [n for n in after if "comments" in n or "people" in n]
    assert b"comment" not in after["[Content_Types].xml"] and b"people" not in after["[Content_Types].xml"]
    assert b"comment" not in _rels(clean.data, "word/document.xml")
    assert b"comment" not in after["word/document.xml"]
    reopened = docx.Document(BytesIO(clean.data))
    assert [p.text for p in reopened.paragraphs] == [BODY] and len(reopened.comments) == 0


def test_docx_custom_xml_and_its_bindings_are_removed() -> None:
    item = (
        '<p:properties xmlns:p="http://schemas.microsoft.com/office/2006/metadata/properties">'
        f"<documentManagement><Handlaggare>{CANARY_MAIL}</Handlaggare></documentManagement></p:properties>"
    ).encode()
    original = _docx_with(
        '<w:sdt><w:sdtPr><w:dataBinding w:prefixMappings="" w:xpath="/p:properties[1]/documentManagement[1]/Handlaggare[1]"'
        ' w:storeItemID="{6C4C3D4B-1111-4B1B-9F1B-CANARY000001}"/></w:sdtPr>'
        "<w:sdtContent><w:r><w:t>Handläggare</w:t></w:r></w:sdtContent></w:sdt>"
    )
    original = plant(
        original, "customXml/item2.xml", item, "application/xml", "word/document.xml", REL + "customXml"
    )
    original = replace(
        original,
        "word/settings.xml",
        b"<w:decimalSymbol",
        f'<w:docVars><w:docVar w:name="Owner" w:val="{CANARY}"/></w:docVars><w:decimalSymbol'.encode(),
    )

    clean = _clean("klassad.docx", original)

    assert Removal.CUSTOM_XML in clean.removed
    assert not [n for n in entries(clean.data) if n.lower().startswith("customxml")]
    assert b"customXml" not in _rels(clean.data, "word/document.xml")
    document = entries(clean.data)["word/document.xml"]
    assert b"dataBinding" not in document and "Handläggare".encode() in document  # the text stays
    assert _texts(clean.data)[0] == BODY


def test_a_plain_python_docx_file_reports_only_what_it_holds() -> None:
    # python-docx's template carries an empty bibliography store: no data, so no line about it.
    clean = _clean("tom.docx", _docx())
    assert clean.removed == {Removal.PROPERTIES, Removal.THUMBNAIL}


def test_docx_template_and_other_paths_are_removed() -> None:
    original = _docx_with(
        '<w:r><w:drawing><wp:inline xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing">'
        f'<wp:extent cx="1" cy="1"/><wp:docPr id="5" name="Bild 5" descr="{USER_PATH}\\foto.jpg"/></wp:inline></w:drawing></w:r>'
        "<w:r><w:t>Text</w:t></w:r>"
    )
    original = edit(original, {"docProps/app.xml": APP_XML})
    settings = entries(original)["word/settings.xml"]
    settings = settings.replace(
        b"<w:zoom",
        b'<w:attachedTemplate r:id="rIdTemplate"/><w:mailMerge><w:mainDocumentType w:val="formLetters"/>'
        + f'<w:query w:val="SELECT * FROM `{USER_PATH}\\adresser.xlsx`"/></w:mailMerge><w:zoom'.encode(),
    )
    original = edit(
        original,
        {
            "word/settings.xml": settings,
            "word/_rels/settings.xml.rels": with_rel(
                b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>',
                "rIdTemplate",
                REL + "attachedTemplate",
                "file:///C:/Users/CanaryUser/AppData/Roaming/Microsoft/Mallar/Canary.dotm",
                external=True,
            ),
        },
    )

    clean = _clean("mall.docx", original)

    assert Removal.PATHS in clean.removed and Removal.PROPERTIES in clean.removed
    after = entries(clean.data)
    assert (
        b"attachedTemplate" not in after["word/settings.xml"]
        and b"mailMerge" not in after["word/settings.xml"]
    )
    assert b"Relationship " not in after["word/_rels/settings.xml.rels"]
    assert _texts(clean.data) == [BODY, "Text"]


def _field(instruction: str, result: str) -> str:
    return (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r><w:instrText xml:space="preserve">{instruction}</w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        f"<w:r><w:t>{result}</w:t></w:r>"
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


def test_docx_links_that_word_would_fetch_are_removed_and_web_hyperlinks_kept() -> None:
    blip = (
        '<w:r><w:drawing><wp:inline xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"'
        ' xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
        ' xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">'
        '<wp:extent cx="1" cy="1"/><wp:docPr id="7" name="Bild 7"/><a:graphic>'
        '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic>'
        '<pic:nvPicPr><pic:cNvPr id="7" name="Bild 7"/><pic:cNvPicPr/></pic:nvPicPr>'
        '<pic:blipFill><a:blip r:link="rIdBeacon"/></pic:blipFill><pic:spPr/></pic:pic></a:graphicData>'
        "</a:graphic></wp:inline></w:drawing></w:r>"
    )
    original = _docx_with(
        blip
        + '<w:hyperlink r:id="rIdWeb"><w:r><w:t>webben</w:t></w:r></w:hyperlink>'
        + '<w:hyperlink r:id="rIdFile"><w:r><w:t> filen</w:t></w:r></w:hyperlink>'
        + '<w:subDoc r:id="rIdSub"/>'
        + _field(f'INCLUDEPICTURE "{BEACON}" \\d', " bild")
        + _field(f'INCLUDETEXT "{SHARE.replace(chr(92), chr(92) * 2)}"', " text")
        + f'<w:fldSimple w:instr="LINK Excel.Sheet.12 &quot;{USER_PATH}\\budget.xlsx&quot;"><w:r><w:t> tabell</w:t></w:r></w:fldSimple>'
        + '<w:fldSimple w:instr="DDEAUTO cmd &quot;/c calc&quot;"><w:r><w:t> dde</w:t></w:r></w:fldSimple>'
        + _field('HYPERLINK "https://example.org/page"', " kvar")
        + '<w:r><w:pict xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office">'
        + f'<v:shape id="vml1"><v:imagedata src="{BEACON}" o:href="{SHARE}"/></v:shape></w:pict></w:r>'
    )
    rels = _rels(original, "word/document.xml")
    for rid, kind, target in [
        ("rIdBeacon", "image", BEACON),
        ("rIdWeb", "hyperlink", "https://example.org/page"),
        ("rIdFile", "hyperlink", "file:///C:/Users/CanaryUser/hemligt.docx"),
        ("rIdSub", "subDocument", SHARE),
        ("rIdFrame", "frame", "https://frame.canary.example/"),
    ]:
        rels = with_rel(rels, rid, REL + kind, target, external=True)
    original = edit(original, {rels_of("word/document.xml"): rels})

    clean = _clean("länkar.docx", original)

    assert {Removal.EXTERNAL_LINKS, Removal.PATHS, Removal.ACTIVE_CONTENT} <= clean.removed
    after_rels = _rels(clean.data, "word/document.xml")
    assert b"https://example.org/page" in after_rels and b'TargetMode="External"' in after_rels
    assert after_rels.count(b'TargetMode="External"') == 1
    document = entries(clean.data)["word/document.xml"]
    assert b"imagedata/>" in document  # the VML picture without its outside file
    for gone in (
        b"r:link",
        b"subDoc",
        b"INCLUDE",
        b"LINK Excel",
        b"DDE",
        b'fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve">INCLUDE',
    ):
        assert gone not in document
    assert b"HYPERLINK" in document  # a web hyperlink field stays
    # The text shown stays: link texts and the fields' last results.
    assert _texts(clean.data) == [BODY, "webben filen bild text tabell dde kvar"]


def test_docx_macros_activex_ole_and_fonts_are_removed() -> None:
    original = _docx_with(
        '<w:r><w:object xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:v="urn:schemas-microsoft-com:vml">'
        '<v:shape id="s1" style="width:10pt;height:10pt"/>'
        '<o:OLEObject Type="Embed" ProgID="Word.Document.12" ShapeID="s1" DrawAspect="Content" ObjectID="_1" r:id="rIdOle"/>'
        '<w:control r:id="rIdAx" w:name="Knapp" w:shapeid="s1"/></w:object></w:r><w:r><w:t>Objekt</w:t></w:r>'
    )
    original = plant(
        original,
        "word/vbaProject.bin",
        b"canary macro",
        "application/vnd.ms-office.vbaProject",
        "word/document.xml",
        "http://schemas.microsoft.com/office/2006/relationships/vbaProject",
        rid="rIdVba",
    )
    original = plant(
        original,
        "word/embeddings/oleObject1.docx",
        b"PK canary embedded document",
        OFFICE_CT + "wordprocessingml.document",
        "word/document.xml",
        REL + "package",
        rid="rIdOle",
    )
    original = plant(
        original,
        "word/activeX/activeX1.xml",
        b'<ax:ocx xmlns:ax="http://schemas.microsoft.com/office/2006/activeX" ax:classid="{canary}"/>',
        "application/vnd.ms-office.activeX+xml",
        "word/document.xml",
        REL + "control",
        rid="rIdAx",
    )
    original = plant(
        original,
        "word/fonts/font1.odttf",
        b"canary font program",
        "application/vnd.openxmlformats-officedocument.obfuscatedFont",
        "word/fontTable.xml",
        REL + "font",
        rid="rIdFont",
    )
    original = replace(
        original,
        "word/fontTable.xml",
        b"</w:font>",
        b'<w:embedRegular r:id="rIdFont" w:fontKey="{00000000-0000-0000-0000-000000000000}"/></w:font>',
    )

    clean = _clean("makro.docx", original)

    assert {Removal.ACTIVE_CONTENT, Removal.EMBEDDED_FILES} <= clean.removed
    names = entries(clean.data)
    assert not [n for n in names if n.endswith((".bin", ".odttf")) or "embeddings" in n or "activeX" in n]
    assert b"OLEObject" not in names["word/document.xml"] and b"w:control" not in names["word/document.xml"]
    assert b"embedRegular" not in names["word/fontTable.xml"]
    assert _texts(clean.data) == [BODY, "Objekt"]


def test_docx_revision_ids_are_removed() -> None:
    original = _docx_with('<w:r w:rsidR="00AB12CD"><w:t>Text</w:t></w:r>')
    original = replace(
        original,
        "word/document.xml",
        b"<w:p>",
        b'<w:p w14:paraId="1A2B3C4D" w14:textId="77777777" w:rsidR="00FC693F">',
    )
    assert b"w:rsid" in entries(original)["word/settings.xml"]

    clean = sanitize("id.docx", original)

    for name, content in entries(clean.data).items():
        assert b"rsid" not in content and b"paraId" not in content and b"docId" not in content, name
    assert _texts(clean.data) == [BODY, "Text"]


# --- XLSX -----------------------------------------------------------------------------------------

XLSX_MAIN = OFFICE_CT + "spreadsheetml."


def _xlsx(photos: int = 0, comment: bool = False) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet["A1"] = BODY
    sheet["B1"] = 42
    if comment:
        sheet["A1"].comment = Comment("Det här skrev canary", CANARY)
    for i in range(photos):
        sheet.add_image(XlImage(BytesIO(photo(shade=i))), f"C{3 + i * 10}")
    workbook.properties.creator = workbook.properties.lastModifiedBy = CANARY
    workbook.properties.title = "canary"
    return _save(workbook)


def _cells(data: bytes) -> tuple[object, object]:
    sheet = openpyxl.load_workbook(BytesIO(data)).active
    assert sheet is not None
    return sheet["A1"].value, sheet["B1"].value


def test_xlsx_properties_photos_and_comments_are_removed() -> None:
    original = _xlsx(photos=2, comment=True)

    clean = _clean("tabell.xlsx", original)

    assert {Removal.PROPERTIES, Removal.EMBEDDED_IMAGES, Removal.COMMENTS} <= clean.removed
    assert_pictures_clean(clean.data, 2)
    after = entries(clean.data)
    assert not [n for n in after if "comment" in n.lower() or n.endswith(".vml")]
    assert b"legacyDrawing" not in after["xl/worksheets/sheet1.xml"]
    workbook = openpyxl.load_workbook(BytesIO(clean.data))
    sheet = workbook.active
    assert sheet is not None and sheet["A1"].comment is None and len(sheet._images) == 2
    assert sheet["A1"].value == BODY
    assert (workbook.properties.lastModifiedBy, workbook.properties.title) == (None, None)


def test_xlsx_threaded_comments_persons_and_revisions_are_removed() -> None:
    original = _xlsx()
    threaded = '<ThreadedComments xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments"><threadedComment ref="A1" personId="{P1}"><text>canary</text></threadedComment></ThreadedComments>'
    persons = f'<personList xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments"><person displayName="{CANARY}" userId="{CANARY_MAIL}" providerId="AD"/></personList>'
    revisions = '<revisions xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><rcc rId="1"><oc r="A2" t="inlineStr"><is><t>Raderat av canary</t></is></oc></rcc></revisions>'
    for name, content, ctype, source, rel in [
        (
            "xl/threadedComments/threadedComment1.xml",
            threaded,
            "application/vnd.ms-excel.threadedcomments+xml",
            "xl/worksheets/sheet1.xml",
            "http://schemas.microsoft.com/office/2017/10/relationships/threadedComment",
        ),
        (
            "xl/persons/person.xml",
            persons,
            "application/vnd.ms-excel.person+xml",
            "xl/workbook.xml",
            "http://schemas.microsoft.com/office/2017/10/relationships/person",
        ),
        (
            "xl/revisions/revisionHeaders.xml",
            "<headers>canary</headers>",
            XLSX_MAIN + "revisionHeaders+xml",
            "xl/workbook.xml",
            REL + "revisionHeaders",
        ),
        (
            "xl/revisions/revisionLog1.xml",
            revisions,
            XLSX_MAIN + "revisionLog+xml",
            "xl/revisions/revisionHeaders.xml",
            REL + "revisionLog",
        ),
        (
            "xl/revisions/userNames.xml",
            f"<users><userInfo name='{CANARY}'/></users>",
            XLSX_MAIN + "userNames+xml",
            "xl/workbook.xml",
            REL + "usernames",
        ),
    ]:
        original = plant(
            original, name, content.encode(), ctype, source, rel, rid="rId" + name.rsplit("/")[-1][:8]
        )

    clean = _clean("delad.xlsx", original)

    assert {Removal.COMMENTS, Removal.PEOPLE, Removal.TRACKED_CHANGES} <= clean.removed
    assert not [n for n in entries(clean.data) if n.startswith(("xl/threaded", "xl/persons", "xl/revisions"))]
    assert _cells(clean.data) == (BODY, 42)


def test_xlsx_paths_external_workbooks_and_printer_settings_are_removed() -> None:
    original = _xlsx()
    original = replace(
        original,
        "xl/workbook.xml",
        b"<workbookPr/>",
        b'<fileSharing userName="' + CANARY.encode() + b'"/><workbookPr/>'
        b'<mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
        b'<mc:Choice Requires="x15"><x15ac:absPath xmlns:x15ac="http://schemas.microsoft.com/office/spreadsheetml/2010/11/ac"'
        b' url="' + USER_PATH.encode() + b'\\"/></mc:Choice></mc:AlternateContent>',
    )
    original = replace(
        original,
        "xl/workbook.xml",
        b"<definedNames/>",
        b'<externalReferences><externalReference xmlns:r="'
        + REL[:-1].encode()
        + b'" r:id="rIdBook"/></externalReferences>'
        b'<definedNames><definedName name="Budget">[1]Blad1!$A$1</definedName></definedNames>',
    )
    link = (
        b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="'
        + REL[:-1].encode()
        + b'"><externalBook r:id="rId1"><sheetNames><sheetName val="Blad1"/></sheetNames></externalBook></externalLink>'
    )
    original = plant(
        original,
        "xl/externalLinks/externalLink1.xml",
        link,
        XLSX_MAIN + "externalLink+xml",
        "xl/workbook.xml",
        REL + "externalLink",
        rid="rIdBook",
    )
    original = edit(
        original,
        {
            "xl/externalLinks/_rels/externalLink1.xml.rels": with_rel(
                b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>',
                "rId1",
                REL + "externalLinkPath",
                "file:///C:/Users/CanaryUser/Documents/budget.xlsx",
                external=True,
            )
        },
    )
    # B1 is computed from the other workbook: its last value stays, the formula goes.
    original = replace(
        original,
        "xl/worksheets/sheet1.xml",
        b'<c r="B1" t="n"><v>42</v></c>',
        b'<c r="B1"><f>[1]Blad1!$A$1*2</f><v>42</v></c>',
    )
    original = plant(
        original,
        "xl/printerSettings/printerSettings1.bin",
        b"\\\\CANARY-PRN01\\Floor 2",
        XLSX_MAIN + "printerSettings",
        "xl/worksheets/sheet1.xml",
        REL + "printerSettings",
        rid="rIdPrn",
    )
    original = replace(
        original,
        "xl/worksheets/sheet1.xml",
        b'footer="0.5"/>',
        b'footer="0.5"/><pageSetup xmlns:r="'
        + REL[:-1].encode()
        + b'" orientation="portrait" r:id="rIdPrn"/>',
    )

    clean = _clean("länkad.xlsx", original)

    assert {Removal.PATHS, Removal.EXTERNAL_LINKS, Removal.PEOPLE} <= clean.removed
    after = entries(clean.data)
    assert not [n for n in after if "externalLink" in n or "printerSettings" in n]
    assert b"externalReference" not in after["xl/workbook.xml"] and b"absPath" not in after["xl/workbook.xml"]
    assert (
        b"<f>" not in after["xl/worksheets/sheet1.xml"] and b"pageSetup" in after["xl/worksheets/sheet1.xml"]
    )
    assert _cells(clean.data) == (BODY, 42)


def test_xlsx_thumbnail_macros_and_controls_are_removed() -> None:
    original = plant(
        _xlsx(),
        "docProps/thumbnail.jpeg",
        photo(),
        "image/jpeg",
        "",
        "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail",
    )
    original = plant(
        original,
        "xl/vbaProject.bin",
        b"canary macro",
        "application/vnd.ms-office.vbaProject",
        "xl/workbook.xml",
        "http://schemas.microsoft.com/office/2006/relationships/vbaProject",
        rid="rIdVba",
    )
    original = plant(
        original,
        "xl/ctrlProps/ctrlProp1.xml",
        b'<formControlPr xmlns="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main" objectType="Button" fmlaLink="canary"/>',
        "application/vnd.ms-excel.controlproperties+xml",
        "xl/worksheets/sheet1.xml",
        REL + "ctrlProp",
        rid="rIdCtrl",
    )

    clean = _clean("makro.xlsx", original)

    assert {Removal.THUMBNAIL, Removal.ACTIVE_CONTENT} <= clean.removed
    assert not [n for n in entries(clean.data) if "thumbnail" in n or "vba" in n or "ctrlProp" in n]
    assert_pictures_clean(clean.data, 0)
    assert _cells(clean.data) == (BODY, 42)


# --- PPTX -----------------------------------------------------------------------------------------

PML = OFFICE_CT + "presentationml."
MODERN = "http://schemas.microsoft.com/office/2018/10/relationships/"


def _pptx(picture: Path | None = None) -> bytes:
    presentation = pptx.Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[5])
    assert slide.shapes.title is not None
    slide.shapes.title.text = BODY
    if picture is not None:
        slide.shapes.add_picture(str(picture), 0, 0)
    slide.notes_slide.notes_text_frame.text = "Talarnotering"
    presentation.core_properties.author = presentation.core_properties.last_modified_by = CANARY
    return _save(presentation)


def _slide_texts(data: bytes) -> list[str]:
    presentation = pptx.Presentation(BytesIO(data))
    slide = presentation.slides[0]
    notes = slide.notes_slide.notes_text_frame.text
    return [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame] + [notes]


def test_pptx_properties_photos_thumbnail_and_printer_are_removed(tmp_path: Path) -> None:
    camera_file = tmp_path / "IMG_20240301_141512.jpg"
    camera_file.write_bytes(photo())
    original = _pptx(camera_file)
    assert b"IMG_20240301" in entries(original)["ppt/slides/slide1.xml"]

    clean = _clean("bildspel.pptx", original)

    expected = {Removal.PROPERTIES, Removal.EMBEDDED_IMAGES, Removal.THUMBNAIL, Removal.PATHS}
    assert expected <= clean.removed
    assert_pictures_clean(clean.data, 1)
    after = entries(clean.data)
    assert not [n for n in after if "thumbnail" in n or "printerSettings" in n]
    assert b"IMG_20240301" not in after["ppt/slides/slide1.xml"]
    assert _slide_texts(clean.data) == [BODY, "Talarnotering"]
    assert pptx.Presentation(BytesIO(clean.data)).core_properties.author == ""


def test_pptx_legacy_and_modern_comments_and_their_authors_are_removed() -> None:
    original = _pptx()
    authors = f'<p:cmAuthorLst xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"><p:cmAuthor id="1" name="{CANARY}" initials="CP" lastIdx="1" clrIdx="0"/></p:cmAuthorLst>'
    legacy = '<p:cmLst xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"><p:cm authorId="1" idx="1"><p:pos x="1" y="1"/><p:text>canary tyckte</p:text></p:cm></p:cmLst>'
    modern = '<p188:cmLst xmlns:p188="http://schemas.microsoft.com/office/powerpoint/2018/8/main"><p188:cm id="{1}" authorId="{2}"><p188:txBody>canary</p188:txBody></p188:cm></p188:cmLst>'
    modern_authors = f'<p188:authorLst xmlns:p188="http://schemas.microsoft.com/office/powerpoint/2018/8/main"><p188:author id="{{2}}" name="{CANARY}" userId="{CANARY_MAIL}" providerId="AD"/></p188:authorLst>'
    for name, content, ctype, source, rel in [
        (
            "ppt/commentAuthors.xml",
            authors,
            PML + "commentAuthors+xml",
            "ppt/presentation.xml",
            REL + "commentAuthors",
        ),
        (
            "ppt/comments/comment1.xml",
            legacy,
            PML + "comments+xml",
            "ppt/slides/slide1.xml",
            REL + "comments",
        ),
        (
            "ppt/comments/modernComment_100_0.xml",
            modern,
            "application/vnd.ms-powerpoint.comments+xml",
            "ppt/slides/slide1.xml",
            MODERN + "comments",
        ),
        (
            "ppt/authors.xml",
            modern_authors,
            "application/vnd.ms-powerpoint.authors+xml",
            "ppt/presentation.xml",
            MODERN + "authors",
        ),
    ]:
        original = plant(
            original, name, content.encode(), ctype, source, rel, rid="rId" + name.rsplit("/")[-1][:10]
        )
    original = replace(
        original,
        "ppt/slides/slide1.xml",
        b"</p:clrMapOvr>",
        b'</p:clrMapOvr><p:extLst><p:ext uri="{6950BFC3-D8DA-4A85-94F7-54DA5524770B}">'
        b'<p188:commentRel xmlns:p188="http://schemas.microsoft.com/office/powerpoint/2018/8/main" r:id="rIdmodernComm"/>'
        b"</p:ext></p:extLst>",
    )

    clean = _clean("kommenterad.pptx", original)

    assert Removal.COMMENTS in clean.removed
    after = entries(clean.data)
    assert not [n for n in after if "comment" in n.lower() or "authors" in n]
    assert (
        b"commentRel" not in after["ppt/slides/slide1.xml"]
        and b"extLst" not in after["ppt/slides/slide1.xml"]
    )
    assert _slide_texts(clean.data) == [BODY, "Talarnotering"]


def test_pptx_fetched_links_program_actions_ole_and_tags_are_removed() -> None:
    presentation = pptx.Presentation(BytesIO(_pptx()))
    slide = presentation.slides[0]
    box = slide.shapes.add_textbox(0, 0, 100, 100)
    run = box.text_frame.paragraphs[0].add_run()
    run.text = "Läs mer"
    run.hyperlink.address = "https://example.org/mer"
    original = _save(presentation)
    rels = _rels(original, "ppt/slides/slide1.xml")
    for rid, kind, target in [
        ("rIdBeacon", "image", BEACON),
        ("rIdCalc", "hyperlink", "file:///C:/Windows/System32/calc.exe"),
        ("rIdOle", "oleObject", SHARE),
        ("rIdHover", "hyperlink", "https://hover.canary.example/"),  # followed without a click
    ]:
        rels = with_rel(rels, rid, REL + kind, target, external=True)
    original = edit(original, {rels_of("ppt/slides/slide1.xml"): rels})
    a, p = (
        "http://schemas.openxmlformats.org/drawingml/2006/main",
        "http://schemas.openxmlformats.org/presentationml/2006/main",
    )
    shapes = (
        f'<p:pic><p:nvPicPr><p:cNvPr id="90" name="Länkad bild"><a:hlinkClick xmlns:a="{a}" r:id="rIdCalc" action="ppaction://program"/>'
        f'<a:hlinkHover xmlns:a="{a}" r:id="rIdHover"/></p:cNvPr>'
        "<p:cNvPicPr/><p:nvPr/></p:nvPicPr>"
        f'<p:blipFill><a:blip xmlns:a="{a}" r:link="rIdBeacon"/></p:blipFill><p:spPr/></p:pic>'
        f'<p:graphicFrame><p:nvGraphicFramePr><p:cNvPr id="91" name="Objekt"/><p:cNvGraphicFramePr/><p:nvPr/></p:nvGraphicFramePr>'
        f'<p:xfrm><a:off xmlns:a="{a}" x="0" y="0"/><a:ext xmlns:a="{a}" cx="1" cy="1"/></p:xfrm>'
        f'<a:graphic xmlns:a="{a}"><a:graphicData uri="http://schemas.openxmlformats.org/presentationml/2006/ole">'
        '<p:oleObj name="Kalkyl" r:id="rIdOle" progId="Excel.Sheet.12"><p:link updateAutomatic="1"/></p:oleObj>'
        "</a:graphicData></a:graphic></p:graphicFrame>"
    )
    original = replace(original, "ppt/slides/slide1.xml", b"</p:spTree>", shapes.encode() + b"</p:spTree>")
    original = replace(
        original,
        "ppt/slides/slide1.xml",
        b"<p:cSld>",
        b'<p:cSld><p:custDataLst><p:tags r:id="rIdTags"/></p:custDataLst>',
    )
    original = plant(
        original,
        "ppt/tags/tag1.xml",
        f'<p:tagLst xmlns:p="{p}"><p:tag name="OWNER" val="{CANARY}"/></p:tagLst>'.encode(),
        PML + "tags+xml",
        "ppt/slides/slide1.xml",
        REL + "tags",
        rid="rIdTags",
    )
    original = replace(
        original,
        "ppt/presentation.xml",
        b"</p:presentation>",
        b'<p:extLst><p:ext uri="{BB962C8B-B14F-4D97-AF65-F5344CB8AC3E}"><p14:creationId xmlns:p14="http://schemas.microsoft.com/office/powerpoint/2010/main" val="1234567890"/></p:ext></p:extLst></p:presentation>',
    )

    clean = _clean("länkar.pptx", original)

    assert {
        Removal.EXTERNAL_LINKS,
        Removal.PATHS,
        Removal.ACTIVE_CONTENT,
        Removal.CUSTOM_XML,
    } <= clean.removed
    slide_xml, slide_rels = (
        entries(clean.data)["ppt/slides/slide1.xml"],
        _rels(clean.data, "ppt/slides/slide1.xml"),
    )
    assert b"https://example.org/mer" in slide_rels and slide_rels.count(b"External") == 1
    for gone in (b"r:link", b"ppaction://program", b"hlinkHover", b"oleObj", b"custDataLst", b"calc.exe"):
        assert gone not in slide_xml + slide_rels
    assert b"creationId" not in entries(clean.data)["ppt/presentation.xml"]
    reopened = pptx.Presentation(BytesIO(clean.data)).slides[0]
    assert [s.text_frame.text for s in reopened.shapes if s.has_text_frame] == [BODY, "Läs mer"]
    assert reopened.shapes[-1].click_action.hyperlink.address is None  # the picture's program action


# --- pictures that are not photos -----------------------------------------------------------------

SVG_NS = "http://www.w3.org/2000/svg"
SVG = (
    f'<svg xmlns="{SVG_NS}" xmlns:xlink="http://www.w3.org/1999/xlink"'
    ' xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" width="10" height="10"'
    f' inkscape:export-filename="/home/canaryuser/bild.png" onload="alert(1)">'
    f"<metadata><dc:creator xmlns:dc='http://purl.org/dc/elements/1.1/'>{CANARY}</dc:creator></metadata>"
    "<script>fetch('https://canary.example/')</script>"
    '<style>@import url("https://fonts.canary.example/x.css"); .a { fill: url(#g) }</style>'
    '<linearGradient id="g"/><rect class="a" width="5" height="5" fill="url(#g)"/>'
    f'<image width="5" height="5" xlink:href="{BEACON}"/>'
    '<image width="5" height="5" href="data:image/jpeg;base64,{photo}"/>'
    "</svg>"
)


def _docx_with_svg(svg: bytes) -> bytes:
    """A picture as Word 2016+ stores an SVG: the PNG fallback in the blip, the SVG in its extension."""
    document = docx.Document()
    document.add_paragraph(BODY)
    document.add_picture(BytesIO(photo("PNG")))
    original = _save(document)
    original = plant(
        original,
        "word/media/image9.svg",
        svg,
        "image/svg+xml",
        "word/document.xml",
        REL + "image",
        rid="rIdSvg",
    )
    return replace(
        original,
        "word/document.xml",
        b'"/><a:stretch>',
        b'"><a:extLst><a:ext uri="{96DAC541-7B7A-43D3-8B79-37D633B846F1}">'
        b'<asvg:svgBlip xmlns:asvg="http://schemas.microsoft.com/office/drawing/2016/SVG/main" r:embed="rIdSvg"/>'
        b"</a:ext></a:extLst></a:blip><a:stretch>",
    )


def test_svg_pictures_lose_metadata_scripts_and_outside_references() -> None:
    import base64

    from PIL import Image

    svg = SVG.replace("{photo}", base64.b64encode(photo()).decode()).encode()
    clean = _clean("vektor.docx", _docx_with_svg(svg))

    assert {Removal.EMBEDDED_IMAGES, Removal.ACTIVE_CONTENT, Removal.EXTERNAL_LINKS} <= clean.removed
    cleaned = entries(clean.data)["word/media/image9.svg"]
    for gone in (b"metadata", b"script", b"onload", b"inkscape", b"@import", b"http"):
        assert gone not in cleaned.replace(SVG_NS.encode(), b"").replace(b"http://www.w3.org/1999/xlink", b"")
    assert b'fill="url(#g)"' in cleaned and b"<rect" in cleaned
    inline = cleaned.split(b"base64,")[1].split(b'"')[0]
    with Image.open(BytesIO(base64.b64decode(inline))) as picture:
        assert len(picture.getexif()) == 0 and picture.size == (64, 48)
    assert b"svgBlip" in entries(clean.data)["word/document.xml"]


def test_svg_that_cannot_be_read_safely_is_dropped_and_the_png_fallback_kept() -> None:
    svg = b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "canary">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>'

    clean = _clean("vektor.docx", _docx_with_svg(svg))

    assert Removal.EMBEDDED_IMAGES in clean.removed
    after = entries(clean.data)
    assert "word/media/image9.svg" not in after and b"svgBlip" not in after["word/document.xml"]
    assert b"<a:blip r:embed=" in after["word/document.xml"]
    assert len(docx.Document(BytesIO(clean.data)).inline_shapes) == 1


def test_metafiles_are_kept_and_unknown_picture_formats_dropped() -> None:
    emf = b"\x01\x00\x00\x00" + bytes(36) + b" EMF" + bytes(64)
    original = plant(
        _docx(), "word/media/image7.emf", emf, "image/x-emf", "word/document.xml", REL + "image", rid="rIdEmf"
    )
    original = plant(
        original,
        "word/media/hdphoto1.wdp",
        b"II\xbc\x01canary",
        "image/vnd.ms-photo",
        "word/document.xml",
        "http://schemas.microsoft.com/office/2007/relationships/hdphoto",
        rid="rIdWdp",
    )

    clean = _clean("bilder.docx", original)

    after = entries(clean.data)
    assert after["word/media/image7.emf"] == emf and "word/media/hdphoto1.wdp" not in after
    assert Removal.EMBEDDED_IMAGES in clean.removed


# --- hostile packages -----------------------------------------------------------------------------

LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10 if i > 1 else b"&lol;" * 10)
        for i in range(1, 10)
    )
    + b"]><lolz>&lol9;</lolz>"
)


@pytest.mark.parametrize(
    ("part", "content", "refusal"),
    [
        ("word/document.xml", LAUGHS, CannotClean),  # billion laughs
        ("word/styles.xml", LAUGHS.decode().encode("utf-16"), CannotClean),  # the same in UTF-16
        (
            "word/settings.xml",
            b'<!DOCTYPE x [<!ATTLIST x href CDATA "http://canary.example/">]><x/>',
            CannotClean,
        ),
        # libxml2 would open the file an external DTD names, even told not to load it.
        ("word/settings.xml", b'<!DOCTYPE x SYSTEM "/dev/zero"><x/>', CannotClean),
        ("word/document.xml", b"<w:document>&canary;</w:document>", DamagedFile),
        ("word/document.xml", b"<a>" * 5000 + b"</a>" * 5000, DamagedFile),  # deeper than 256
        ("_rels/.rels", b"<Relationships", DamagedFile),
    ],
)
def test_hostile_xml_is_refused_quickly(part: str, content: bytes, refusal: type[UploadRefused]) -> None:
    original = edit(_docx(), {part: content})
    refused_promptly(refusal, "elak.docx", original)


def test_unknown_and_unreferenced_parts_are_dropped() -> None:
    original = plant(
        _docx(),
        "word/secret.bin",
        b"canary data",
        "application/octet-stream",
        "word/document.xml",
        "urn:canary:rel",
    )
    # Known type, but nothing refers to it: only hidden data can be there.
    original = edit(
        original,
        {
            "word/footer9.xml": f'<w:ftr xmlns:w="{W}"><w:p><w:r><w:t>canary</w:t></w:r></w:p></w:ftr>'.encode()
        },
    )
    original = edit(
        original,
        {
            "[Content_Types].xml": with_override(
                entries(original)["[Content_Types].xml"],
                "word/footer9.xml",
                OFFICE_CT + "wordprocessingml.footer+xml",
            )
        },
    )

    clean = _clean("okänd.docx", original)

    assert Removal.EMBEDDED_FILES in clean.removed
    assert not [n for n in entries(clean.data) if "secret" in n or "footer9" in n]
    assert b"footer9" not in entries(clean.data)["[Content_Types].xml"]


def test_a_document_without_its_main_part_is_refused() -> None:
    with pytest.raises(CannotClean):
        sanitize("tom.docx", edit(_docx(), {"word/document.xml": None}))


@pytest.mark.parametrize(("name", "make"), [("a.docx", _docx), ("a.xlsx", _xlsx), ("a.pptx", _pptx)])
def test_cleaning_a_clean_file_finds_nothing(name: str, make: Callable[[], bytes]) -> None:
    once = sanitize(name, make())
    assert once.removed
    twice = sanitize(name, once.data)
    assert twice.removed == frozenset()
    assert entries(twice.data).keys() == entries(once.data).keys()


@pytest.mark.parametrize(
    "name", ["../../evil.xml", "word/../../evil.xml", "/etc/evil", "word\\evil.xml", "C:/evil"]
)
def test_entry_names_that_leave_the_folder_are_refused(name: str) -> None:
    with pytest.raises(DamagedFile):
        sanitize("elak.docx", edit(_docx(), {name: b"canary"}))


def test_strict_open_xml_loses_tracked_changes_like_transitional() -> None:
    # ISO strict files use other namespaces for the same elements (python-docx cannot open them).
    strict = "http://purl.oclc.org/ooxml/wordprocessingml/main"
    original = _docx_with(
        f'<w:del w:id="1" w:author="{CANARY}"><w:r><w:delText>canary</w:delText></w:r></w:del>'
    )
    original = replace(original, "word/document.xml", W.encode(), strict.encode())

    clean = _clean("strikt.docx", original)

    assert Removal.TRACKED_CHANGES in clean.removed
    assert b"w:del " not in entries(clean.data)["word/document.xml"]
