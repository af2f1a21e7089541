"""Office Open XML documents (DOCX, XLSX, PPTX): which parts and relationships stay.

A package is a zip of parts, each with a content type ([Content_Types].xml), linked by
relationships (_rels/*.rels). The policy, part by part:

- Parts with a content type from the list below that this module understands are kept and their
  XML is cleaned (``ooxml_content``, ``ooxml_fields``): documents, sheets, slides, styles, themes,
  charts, drawings.
- Property parts (core, app, custom) are replaced by empty ones: the programs expect them.
- Pictures are re-encoded from their pixels (``images``), SVG is cleaned (``svg``); EMF and WMF
  are kept as they are: they have no EXIF/XMP container, Office itself draws its OLE previews with
  them, and no program here could redraw them (residual risk: a bitmap record inside can be a
  JPEG with its own EXIF). Pictures in any other format are dropped.
- Parts known to identify or to act are dropped with their reason on the receipt: comments and
  their author lists, people lists, revision logs, customXml, thumbnails, printer settings (they
  name the printer and its server), external-link and connection parts, macros, ActiveX, OLE
  embeddings, embedded fonts (a font is a program for the font engine: Duqu came in a DOCX),
  signatures (the signer's certificate), add-ins and audio/video (their own metadata).
- Any other part (an unknown content type, or none) is dropped and reported as an embedded file:
  what we do not understand we cannot clean, and a document still opens without an extra part.
  Parts no kept relationship reaches are dropped silently: no program shows them, so they can
  only be hidden data.
- External relationships are removed, except hyperlinks to web or mail addresses: those are text
  the reporter wrote and chose to link, and Office opens them only when clicked. Every other
  external target is something the program fetches itself (a template, a linked picture, an OLE
  link, a frame, a sub-document, external workbook data): a read beacon, and over \\\\server\\share
  or file:// a Windows log-in hash sent to a stranger. Hyperlinks to files or file servers are
  removed too: their target is a path on the reporter's computer or network.
A kept part that does not parse is refused (``DamagedFile``): a part we cannot read, we cannot
clean. The relationships and content-type overrides of what was dropped are removed, and so are
the elements that referred to them, so the document still opens.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote

from . import images, ooxml_content, safexml, svg
from .errors import CannotClean, DamagedFile
from .removals import Cleaned, Removal
from .safexml import Element
from .zips import open_zip, read_all, write_zip

_TYPES_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_RELS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_WML = "application/vnd.openxmlformats-officedocument.wordprocessingml."
_SML = "application/vnd.openxmlformats-officedocument.spreadsheetml."
_PML = "application/vnd.openxmlformats-officedocument.presentationml."
_DML = "application/vnd.openxmlformats-officedocument.drawingml."
_OFFICE = "application/vnd.openxmlformats-officedocument."
_VML = _OFFICE + "vmlDrawing"

_MAIN = frozenset({_WML + "document.main+xml", _SML + "sheet.main+xml", _PML + "presentation.main+xml"})
_KEPT_XML = _MAIN | {_OFFICE + "theme+xml", _OFFICE + "themeOverride+xml", _OFFICE + "drawing+xml", _VML}
_KEPT_XML |= {
    _WML + f"{name}+xml" for name in ("styles", "settings", "webSettings", "fontTable", "numbering")
}
_KEPT_XML |= {_WML + f"{name}+xml" for name in ("header", "footer", "footnotes", "endnotes")}
_KEPT_XML |= {"application/vnd.ms-word.stylesWithEffects+xml"}
_KEPT_XML |= {
    _SML + f"{name}+xml"
    for name in (
        "worksheet",
        "chartsheet",
        "sharedStrings",
        "styles",
        "calcChain",
        "table",
        "tableSingleCells",
    )
}
_KEPT_XML |= {_SML + f"{name}+xml" for name in ("pivotTable", "pivotCacheDefinition", "pivotCacheRecords")}
_KEPT_XML |= {_SML + "sheetMetadata+xml", _SML + "volatileDependencies+xml"}
_KEPT_XML |= {"application/vnd.ms-excel.slicer+xml", "application/vnd.ms-excel.slicerCache+xml"}
_KEPT_XML |= {
    _PML + f"{name}+xml"
    for name in ("slide", "slideLayout", "slideMaster", "notesSlide", "notesMaster", "handoutMaster")
}
_KEPT_XML |= {_PML + f"{name}+xml" for name in ("presProps", "viewProps", "tableStyles")}
_KEPT_XML |= {
    _DML + f"{name}+xml"
    for name in ("chart", "chartshapes", "diagramData", "diagramLayout", "diagramStyle", "diagramColors")
}
_KEPT_XML |= {
    "application/vnd.ms-office.drawingml.diagramDrawing+xml",
    "application/vnd.ms-office.chartex+xml",
}
_KEPT_XML |= {"application/vnd.ms-office.chartstyle+xml", "application/vnd.ms-office.chartcolorstyle+xml"}

_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_PROPERTIES: Mapping[str, bytes] = {
    "application/vnd.openxmlformats-package.core-properties+xml": _DECLARATION
    + b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
    b' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"/>',
    _OFFICE + "extended-properties+xml": _DECLARATION
    + b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"/>',
    _OFFICE + "custom-properties+xml": _DECLARATION
    + b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"/>',
}

_R = Removal
# Dropped parts and what the receipt says; None: dropped without a line (it held nothing itself).
_DROPPED: Mapping[str, Removal | None] = {
    **{
        _WML + f"{n}+xml": _R.COMMENTS
        for n in ("comments", "commentsExtended", "commentsIds", "commentsExtensible")
    },
    _WML + "people+xml": _R.PEOPLE,
    _WML + "document.glossary+xml": _R.EMBEDDED_FILES,  # building blocks: a second, hidden document
    _SML + "comments+xml": _R.COMMENTS,
    "application/vnd.ms-excel.threadedcomments+xml": _R.COMMENTS,
    "application/vnd.ms-excel.person+xml": _R.PEOPLE,
    _SML + "revisionHeaders+xml": _R.TRACKED_CHANGES,
    _SML + "revisionLog+xml": _R.TRACKED_CHANGES,
    _SML + "userNames+xml": _R.PEOPLE,
    _SML + "externalLink+xml": _R.EXTERNAL_LINKS,
    _SML + "connections+xml": _R.EXTERNAL_LINKS,
    _SML + "queryTable+xml": _R.EXTERNAL_LINKS,
    _PML + "comments+xml": _R.COMMENTS,
    _PML + "commentAuthors+xml": _R.COMMENTS,
    "application/vnd.ms-powerpoint.comments+xml": _R.COMMENTS,
    "application/vnd.ms-powerpoint.authors+xml": _R.COMMENTS,
    _PML + "tags+xml": _R.CUSTOM_XML,  # add-ins' name/value data on slides
    _OFFICE + "customXmlProperties+xml": None,  # the customXml item's id: reported with the item
    "application/vnd.ms-office.classificationlabels+xml": _R.CUSTOM_XML,  # sensitivity label, tenant
    **{
        _OFFICE + f"{n}.printerSettings": _R.PATHS
        for n in ("wordprocessingml", "spreadsheetml", "presentationml")
    },
    "application/vnd.ms-office.vbaProject": _R.ACTIVE_CONTENT,
    "application/vnd.ms-office.vbaProjectSignature": _R.ACTIVE_CONTENT,
    "application/vnd.ms-word.vbaData+xml": _R.ACTIVE_CONTENT,
    "application/vnd.ms-office.activeX+xml": _R.ACTIVE_CONTENT,
    "application/vnd.ms-office.activeX": _R.ACTIVE_CONTENT,
    "application/vnd.ms-excel.controlproperties+xml": _R.ACTIVE_CONTENT,
    "application/vnd.ms-excel.macrosheet+xml": _R.ACTIVE_CONTENT,
    "application/vnd.ms-excel.intlmacrosheet+xml": _R.ACTIVE_CONTENT,
    _SML + "dialogsheet+xml": _R.ACTIVE_CONTENT,
    "application/vnd.ms-word.keyMapCustomizations+xml": _R.ACTIVE_CONTENT,
    "application/vnd.ms-word.attachedToolbars": _R.ACTIVE_CONTENT,
    "application/vnd.ms-office.webextension+xml": _R.EXTERNAL_LINKS,  # add-ins loaded from a store
    "application/vnd.ms-office.webextensiontaskpanes+xml": _R.EXTERNAL_LINKS,
    "application/vnd.openxmlformats-package.digital-signature-xmlsignature+xml": _R.SIGNATURES,
    "application/vnd.openxmlformats-package.digital-signature-origin": _R.SIGNATURES,
}
_THUMBNAIL_NAME = re.compile(r"docprops/thumbnail\.[a-z]+")
# Excel's VML holds comment boxes (ObjectType "Note"), OLE previews ("Pict") and form controls, never
# the reporter's drawings (those are DrawingML).
_EXCEL_VML_DATA = re.compile(rb'ObjectType\s*=\s*["\']([A-Za-z]+)')


def clean(data: bytes) -> Cleaned:
    with open_zip(data) as archive:
        entries = read_all(archive)
    if any(safexml.unsafe_entry_name(name) for name in entries):
        raise DamagedFile
    names = {name.lower(): name for name in entries if not name.endswith("/")}
    types_name = names.get("[content_types].xml")
    if types_name is None:
        raise DamagedFile
    types_root = safexml.parse(entries[types_name])
    types = _content_types(types_root, names)
    rels = {
        source: (lower, safexml.parse(entries[names[lower]]))
        for lower in names
        if (source := _source_of(lower)) is not None and (source == "" or source in names)
    }
    incoming: dict[str, set[str]] = {}
    for source, (_, root) in rels.items():
        for rel in _relationships(root, source):
            if rel.part is not None:
                incoming.setdefault(rel.part, set()).add(rel.kind)

    found: set[Removal] = set()
    outputs: dict[str, bytes] = {}  # kept parts, cleaned (XML parts still to be cleaned below)
    xml_parts: list[str] = []
    dropped: set[str] = set()
    for lower, name in names.items():
        if lower == "[content_types].xml" or lower.endswith(".rels"):
            continue
        content = entries[name]
        result = _classify(lower, types.get(lower), content, incoming.get(lower, set()))
        if isinstance(result, Removal) or result is None:
            dropped.add(lower)
            if result is not None:
                found.add(result)
        elif isinstance(result, str):  # "xml"
            outputs[lower] = content
            xml_parts.append(lower)
        else:
            outputs[lower] = result[0]
            found |= result[1]

    dead, reachable = _filter_relationships(rels, outputs, found)
    package_rels = _relationships(rels[""][1], "") if "" in rels else []
    main = [rel.part for rel in package_rels if rel.kind == "officeDocument"]
    if len(main) != 1 or main[0] not in reachable or types.get(main[0] or "") not in _MAIN:
        raise CannotClean  # no main document we understand: nothing is known to be clean
    books_removed = any(types.get(part) == _SML + "externalLink+xml" for part in dropped)
    for lower in xml_parts:
        if lower not in reachable:
            continue
        root = safexml.parse(outputs[lower])
        part = ooxml_content.Part(frozenset(dead.get(lower, ())), external_books_removed=books_removed)
        ooxml_content.clean(root, part)
        found |= part.found
        outputs[lower] = safexml.serialize(root)
        if lower in rels:
            _drop_unused_links(rels[lower][1], ooxml_content.used_ids(root))

    for override in list(types_root.iter(_TYPES_NS + "Override")):
        if _part_name(override.get("PartName", "")) not in reachable:
            types_root.remove(override)
    out: list[tuple[str, bytes]] = []
    for lower, name in names.items():
        source = _source_of(lower)
        if lower == "[content_types].xml":
            out.append((name, safexml.serialize(types_root)))
        elif source is not None:
            if source in rels and (source == "" or source in reachable):
                out.append((name, safexml.serialize(rels[source][1])))
        elif lower in reachable:
            out.append((name, outputs[lower]))
    return Cleaned(write_zip(out), frozenset(found))


@dataclass(frozen=True)
class _Rel:
    el: Element
    id: str
    kind: str  # the type's last segment: "image", "hyperlink", ... (transitional and strict alike)
    target: str
    external: bool
    part: str | None  # the lower-case name of an internal target, None if it is not a part name


def _source_of(lower: str) -> str | None:
    """The part a relationships entry belongs to ("" for the package), None if it is none."""
    folder, _, file = lower.rpartition("/")
    parent, _, rels_dir = folder.rpartition("/")
    if (rels_dir or folder) != "_rels" or not file.endswith(".rels"):
        return None
    base = file.removesuffix(".rels")
    if folder == "_rels":
        return "" if base == "" else None
    return f"{parent}/{base}" if parent else base


def _part_name(name: str) -> str:
    return unquote(name).lstrip("/").lower()


def _content_types(root: Element, names: Mapping[str, str]) -> dict[str, str]:
    """Each part's content type: its Override, or the Default for its extension."""
    defaults = {
        el.get("Extension", "").lower(): el.get("ContentType", "") for el in root.iter(_TYPES_NS + "Default")
    }
    types = {
        lower: defaults[lower.rpartition(".")[2]] for lower in names if lower.rpartition(".")[2] in defaults
    }
    for el in root.iter(_TYPES_NS + "Override"):
        types[_part_name(el.get("PartName", ""))] = el.get("ContentType", "")
    return types


def _relationships(root: Element, source: str) -> list[_Rel]:
    found = []
    base = posixpath.dirname(source)
    for el in root.iter(_RELS_NS + "Relationship"):
        target = el.get("Target", "")
        external = el.get("TargetMode", "Internal") == "External"
        kind = el.get("Type", "").rstrip("/").rpartition("/")[2]
        found.append(
            _Rel(el, el.get("Id", ""), kind, target, external, None if external else _resolve(base, target))
        )
    return found


def _resolve(base: str, target: str) -> str | None:
    path = unquote(target.partition("#")[0]).replace("\\", "/")
    if not path or re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", path):
        return None
    path = posixpath.normpath(path.lstrip("/") if path.startswith("/") else posixpath.join(base, path))
    return None if path.startswith("..") or path == "." else path.lower()


_Kept = tuple[bytes, set[Removal]]


def _classify(
    lower: str, ctype: str | None, content: bytes, incoming: set[str]
) -> str | _Kept | Removal | None:
    """ "xml" (to be cleaned), (new content, removals) for a kept part, or why it is dropped."""
    if "thumbnail" in incoming or _THUMBNAIL_NAME.fullmatch(lower):
        return Removal.THUMBNAIL
    if lower.startswith("customxml/") and ctype not in _DROPPED:
        # Document-management fields, sensitivity labels, bibliography sources; an empty store
        # (Word's own empty bibliography) is dropped without a line on the receipt.
        return Removal.CUSTOM_XML if safexml.has_values(content) else None
    if ctype is None:
        return Removal.EMBEDDED_FILES
    if ctype in _PROPERTIES:
        return _PROPERTIES[ctype], {Removal.PROPERTIES} if safexml.has_values(content) else set()
    if ctype == _VML and (excel := _EXCEL_VML_DATA.findall(content)):
        if b"Note" in excel:
            return Removal.COMMENTS
        return Removal.EMBEDDED_FILES if b"Pict" in excel else Removal.ACTIVE_CONTENT
    if ctype in _KEPT_XML:
        return "xml"
    if ctype in _DROPPED:
        return _DROPPED[ctype]
    if ctype.startswith("image/"):
        return _picture(content)
    return Removal.EMBEDDED_FILES  # OLE embeddings, fonts, media, and whatever else


def _picture(content: bytes) -> _Kept | Removal:
    try:
        cleaned = images.clean_embedded(content)
    except DamagedFile:
        return Removal.EMBEDDED_IMAGES  # Office shows a broken picture as a box: drop it, not the report
    if cleaned is not None:
        return cleaned, {Removal.EMBEDDED_IMAGES}
    if _is_metafile(content):
        return content, set()
    drawing = svg.clean(content)
    if drawing is not None:
        return drawing[0], set(drawing[1])
    return Removal.EMBEDDED_IMAGES  # a format we cannot clean: HD Photo, PICT, HEIC, ...


def _is_metafile(content: bytes) -> bool:
    emf = content[:4] == b"\x01\x00\x00\x00" and content[40:44] == b" EMF"
    placeable_wmf = content.startswith(b"\xd7\xcd\xc6\x9a")
    wmf = content[:2] in (b"\x01\x00", b"\x02\x00") and content[2:4] == b"\x09\x00"
    return emf or placeable_wmf or wmf


def _filter_relationships(
    rels: Mapping[str, tuple[str, Element]], outputs: Mapping[str, bytes], found: set[Removal]
) -> tuple[dict[str, set[str]], set[str]]:
    """Remove each relationship to a dropped part and each external one but web hyperlinks, in
    the parts that stay. Returns the removed ids by source part, and the parts that stay."""
    internal = {
        source: [rel for rel in _relationships(root, source) if rel.part is not None and rel.part in outputs]
        for source, (_, root) in rels.items()
    }
    reachable = _reachable(internal)
    dead: dict[str, set[str]] = {}
    for source, (_, root) in rels.items():
        if source != "" and source not in reachable:
            continue  # dropped with its part
        for rel in _relationships(root, source):
            if rel.external:
                kind = safexml.link_kind(rel.target)
                if rel.kind == "hyperlink" and kind == "web":
                    continue
                found |= safexml.link_removals(kind, fetched=rel.kind != "hyperlink")
            elif rel.part is not None and rel.part in outputs:
                continue
            dead.setdefault(source, set()).add(rel.id)
            root.remove(rel.el)
    return dead, reachable


def _drop_unused_links(rels_root: Element, used: set[str]) -> None:
    """A hyperlink whose text was removed (a deleted change, a comment, a hover) would still name
    its address in the relationships: it goes too. Other relationships may be used implicitly."""
    for el in list(rels_root.iter(_RELS_NS + "Relationship")):
        if el.get("TargetMode") == "External" and el.get("Id") not in used:
            rels_root.remove(el)


def _reachable(kept: Mapping[str, list[_Rel]]) -> set[str]:
    """The parts that a chain of kept relationships from the package reaches."""
    seen: set[str] = set()
    queue = [""]
    while queue:
        for rel in kept.get(queue.pop(), []):
            if rel.part is not None and rel.part not in seen:
                seen.add(rel.part)
                queue.append(rel.part)
    return seen
