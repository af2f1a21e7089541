"""The XML inside an Office Open XML part: what is removed from the elements themselves.

``ooxml`` decides which parts and relationships stay; this module edits each kept XML part.
Element rules work by namespace and local name, whichever part they appear in, so a tracked change
in a footnote, a header, a text box or a Fallback branch goes like one in the body. Both the
transitional and the strict (ISO) namespaces are matched: a strict file must not keep what a
transitional one loses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from . import safexml
from .ooxml_fields import clean_fields, remove_in_run
from .removals import Removal
from .safexml import Element, local, tag_set

_W = (
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "http://purl.oclc.org/ooxml/wordprocessingml/main",
)
_R = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
)
_S = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)
_P = (
    "http://schemas.openxmlformats.org/presentationml/2006/main",
    "http://purl.oclc.org/ooxml/presentationml/main",
)
_A = ("http://schemas.openxmlformats.org/drawingml/2006/main", "http://purl.oclc.org/ooxml/drawingml/main")
_M = (
    "http://schemas.openxmlformats.org/officeDocument/2006/math",
    "http://purl.oclc.org/ooxml/officeDocument/math",
)
_MC = ("http://schemas.openxmlformats.org/markup-compatibility/2006",)
_O = "urn:schemas-microsoft-com:office:office"
_W14 = ("http://schemas.microsoft.com/office/word/2010/wordml",)
_W15 = ("http://schemas.microsoft.com/office/word/2012/wordml",)

# --- tracked changes (WordprocessingML) -----------------------------------------------------------
# Deleted and moved-away content holds the text the reporter removed, with the author and time.
_DELETED = tag_set(_W, "del", "moveFrom") | tag_set(_W14, "conflictDel")
# Inserted content is accepted: it is what the document shows.
_INSERTED = tag_set(_W, "ins", "moveTo") | tag_set(_W14, "conflictIns")
# Old formatting, range markers and cell markers: authors and dates, and nothing shown.
_REVISION_MARKS = tag_set(
    _W,
    "rPrChange",
    "pPrChange",
    "sectPrChange",
    "tblPrChange",
    "tblPrExChange",
    "trPrChange",
    "tcPrChange",
    "tblGridChange",
    "numberingChange",
    "moveFromRangeStart",
    "moveFromRangeEnd",
    "moveToRangeStart",
    "moveToRangeEnd",
    "customXmlInsRangeStart",
    "customXmlInsRangeEnd",
    "customXmlDelRangeStart",
    "customXmlDelRangeEnd",
    "customXmlMoveFromRangeStart",
    "customXmlMoveFromRangeEnd",
    "customXmlMoveToRangeStart",
    "customXmlMoveToRangeEnd",
    "cellIns",
    "cellMerge",
    "delText",
    "delInstrText",
)
_CELL_DELETED = tag_set(_W, "cellDel")
_COMMENT_MARKS = tag_set(_W, "commentRangeStart", "commentRangeEnd", "commentReference", "annotationRef")
# Ids that tie documents to one another and to one Word installation or editing session.
_IDS = tag_set(_W, "rsids", "rsid") | tag_set(_W14, "docId") | tag_set(_W15, "docId")
_IDS |= tag_set(("http://schemas.microsoft.com/office/powerpoint/2010/main",), "creationId")
_IDS |= tag_set(("http://schemas.microsoft.com/office/spreadsheetml/2014/revision",), "revisionPtr")
_ID_ATTRIBUTES = tag_set(_W14, "paraId", "textId")
# Bindings of content controls to the removed customXml parts, and legacy binary field data.
_UNLINKED = _IDS | tag_set(_W, "dataBinding", "fldData") | tag_set(_W15, "dataBinding")
_MACROS = tag_set(_W, "entryMacro", "exitMacro")  # run when a form field is entered or left
_ABS_PATH = tag_set(("http://schemas.microsoft.com/office/spreadsheetml/2010/11/ac",), "absPath")
# PowerPoint click and hover actions that start a program, a macro or an OLE verb.
_ACTIONS = tag_set(_A, "hlinkClick", "hlinkHover", "hlinkMouseOver")
_HOVERS = tag_set(_A, "hlinkHover", "hlinkMouseOver")
_RUN_ACTION = re.compile(r"(?i)ppaction://(?:program|macro|ole)")
_PICTURE_FILE = re.compile(
    r"(?i)\.(?:jpe?g|png|gif|bmp|tiff?|heic|heif|webp|emf|wmf|svg|dng|cr2|nef|arw)\s*$"
)
_FORMULAS = tag_set(_S, "f", "definedName")
_EXTERNAL_BOOK = re.compile(r"\[[1-9]\d*\]")
_O_RELID = f"{{{_O}}}relid"
_VML_FETCHED = frozenset({"src", f"{{{_O}}}href", "{urn:schemas-microsoft-com:vml}src"})
_AUTHOR_ATTRIBUTES = frozenset(f"{{{uri}}}{name}" for uri in _W for name in ("author", "initials"))

# --- relationships that went away ---------------------------------------------------------------
# An element whose relationship was removed: hyperlinks keep their text, pictures keep their
# embedded copy when only the link went, OLE frames and font entries go as a whole, and anything
# else referring to a removed part is removed.
_UNWRAP_DEAD = tag_set(_W, "hyperlink")
_ATTRIBUTE_DEAD = frozenset({"blip", "imagedata", "fill", "stroke", "pageSetup", "textpath"})
_CLIMB_DEAD = {"oleObj": "graphicFrame", "snd": "sndAc", "regular": "embeddedFont", "bold": "embeddedFont"}
_CLIMB_DEAD |= {"italic": "embeddedFont", "boldItalic": "embeddedFont"}
# Wrappers that may not stay empty once their content is gone.
_WRAPPERS = frozenset(
    {"ext", "extLst", "oleObjects", "controls", "custDataLst", "externalReferences", "hyperlinks"}
) | {"embeddedFontLst", "AlternateContent", "sndAc"}
_MC_BRANCHES = tag_set(_MC, "Choice", "Fallback")
_MATH_RUN = tag_set(_M, "r")
_DOC_VARS = tag_set(_W, "docVars")
_MAIL_MERGE = tag_set(_W, "mailMerge")
_PERMISSIONS = tag_set(_W, "permStart", "permEnd")
_PEOPLE_ATTRIBUTES = frozenset({"userName", "refreshedBy", "securityDescriptor"})
_SPECIAL = sorted(
    _DELETED
    | _INSERTED
    | _REVISION_MARKS
    | _CELL_DELETED
    | _COMMENT_MARKS
    | _UNLINKED
    | _MACROS
    | _DOC_VARS
    | _MAIL_MERGE
    | _PERMISSIONS
    | _ABS_PATH
    | _ACTIONS
    | _FORMULAS
)
_R_PREFIXES = tuple(f"{{{uri}}}" for uri in _R)
_ATTRIBUTE_NAMES = (
    "}paraId",
    "}textId",
    "}author",
    "}initials",
    "userName",
    "refreshedBy",
    "securityDescriptor",
)


@dataclass
class Part:
    """One XML part being cleaned: the relationship ids it lost, and what was found."""

    dead: frozenset[str]
    found: set[Removal] = field(default_factory=set)
    external_books_removed: bool = False
    _shared_formulas: set[str] = field(default_factory=set)


def clean(root: Element, part: Part) -> None:
    clean_fields(root, part.found)
    # libxml2 finds the few elements that matter (styles.xml alone has thousands).
    for el in list(root.iter(*_SPECIAL)):
        if safexml.attached(el, root):
            _clean_element(el, part)
    users, attributes = _scan(root, part.dead)
    for el in users:
        if safexml.attached(el, root):
            _clean_dead_reference(el, part.dead)
    for el, key in attributes:
        if key in el.attrib and safexml.attached(el, root):
            _clean_attribute(el, key, part)
    if part._shared_formulas:
        for formula in list(root.iter(*_FORMULAS)):
            if formula.get("t") == "shared" and formula.get("si") in part._shared_formulas:
                safexml.remove(formula)


def _scan(root: Element, dead: frozenset[str]) -> tuple[list[Element], list[tuple[Element, str]]]:
    """Elements that use a removed relationship, and the attributes that may hold an id, a
    person, a path or a file name (cheap tests here; the rules in _clean_attribute)."""
    users: dict[Element, None] = {}
    attributes = []
    for el in root.iter(etree.Element):
        for key, value in el.items():
            if value in dead and (key.startswith(_R_PREFIXES) or key == _O_RELID):
                users[el] = None
            elif (
                ":" in value
                or "\\" in value
                or "/" in value
                or "." in value
                or "rsid" in key
                or key.endswith(_ATTRIBUTE_NAMES)
            ):
                attributes.append((el, key))
    return list(users), attributes


def used_ids(root: Element) -> set[str]:
    """The relationship ids that the part still refers to."""
    return {
        value
        for el in root.iter(etree.Element)
        for key, value in el.items()
        if key.startswith(_R_PREFIXES) or key == _O_RELID
    }


def drop(el: Element) -> None:
    """Remove ``el``; then wrappers left empty, and a markup-compatibility choice as a whole (a
    Choice or Fallback that lost its content would make Office pick the other branch or fail)."""

    def wrapper_of(parent: Element) -> Element | None:
        if parent.tag in _MC_BRANCHES:
            return parent.getparent()
        return parent if local(parent) in _WRAPPERS else None

    safexml.remove_pruning(el, wrapper_of)


def _clean_element(el: Element, part: Part) -> None:
    tag = el.tag
    if tag in _DELETED:
        part.found.add(Removal.TRACKED_CHANGES)
        _remove_deleted(el)
    elif tag in _INSERTED:
        part.found.add(Removal.TRACKED_CHANGES)
        parent = el.getparent()
        if parent is not None and local(parent).endswith("Pr"):
            safexml.remove(el)  # a marker on a paragraph mark, row or numbering
        else:
            safexml.unwrap(el)
    elif tag in _REVISION_MARKS:
        part.found.add(Removal.TRACKED_CHANGES)
        safexml.remove(el)
    elif tag in _CELL_DELETED:
        part.found.add(Removal.TRACKED_CHANGES)
        _remove_ancestor(el, "tc")
    elif tag in _COMMENT_MARKS:
        part.found.add(Removal.COMMENTS)
        remove_in_run(el)
    elif tag in _UNLINKED:
        drop(el)
    elif tag in _MACROS:
        part.found.add(Removal.ACTIVE_CONTENT)
        safexml.remove(el)
    elif tag in _DOC_VARS:
        # Document variables: name/value pairs that document-management systems and macros store.
        if len(el):
            part.found.add(Removal.CUSTOM_XML)
        safexml.remove(el)
    elif tag in _MAIL_MERGE:
        part.found.add(Removal.PATHS)  # the data source's path and connection string
        safexml.remove(el)
    elif tag in _PERMISSIONS:
        # Editing permissions name a user or group (w:ed="DOMAIN\\name").
        if any(local_name(key) in ("ed", "edGrp") for key in el.attrib):
            part.found.add(Removal.PEOPLE)
        safexml.remove(el)
    elif tag in _ABS_PATH:
        part.found.add(Removal.PATHS)  # the folder the workbook was last saved in
        drop(el)
    elif tag in _ACTIONS:
        # A click that starts a program, a macro or an OLE verb; and any hover action, which
        # PowerPoint follows without a click (a hover that opened an address or ran a program
        # was a known attack).
        if _RUN_ACTION.match(el.get("action", "")):
            part.found.add(Removal.ACTIVE_CONTENT)
            drop(el)
        elif tag in _HOVERS:
            if any(_in(key, _R) and value for key, value in el.items()):
                part.found.add(Removal.EXTERNAL_LINKS)
            drop(el)
    elif part.external_books_removed and tag in _FORMULAS and _EXTERNAL_BOOK.search(el.text or ""):
        # A formula into a workbook whose link was removed: the cached value stays.
        if el.get("t") == "shared" and el.get("si") is not None:
            part._shared_formulas.add(el.get("si"))
        safexml.remove(el)


def _clean_attribute(el: Element, key: str, part: Part) -> None:
    name = local_name(key)
    value = el.attrib[key]
    if key in _ID_ATTRIBUTES or (name.startswith("rsid") and _in(key, _W)):
        del el.attrib[key]
    elif key in _AUTHOR_ATTRIBUTES or (name in _PEOPLE_ATTRIBUTES and _in(key, ("", *_S))):
        # Shared-workbook user, pivot refresher, range permission holder (a Windows SID).
        part.found.add(Removal.PEOPLE)
        del el.attrib[key]
    elif _in(key, _R):
        return  # relationship ids
    elif key in _VML_FETCHED and value.strip():
        # VML pictures and fills can name their file directly: fetched when the shape is drawn.
        part.found |= safexml.link_removals(safexml.link_kind(value), fetched=True)
        del el.attrib[key]
    elif safexml.has_path(value):
        part.found.add(Removal.PATHS)
        el.attrib[key] = ""
    elif name in ("name", "descr", "title") and _PICTURE_FILE.search(value):
        # The photo's file name (IMG_20240301_141512.jpg): when and with what it was taken.
        part.found.add(Removal.EMBEDDED_IMAGES)
        el.attrib[key] = "Picture" if name == "name" else ""


def _clean_dead_reference(el: Element, dead: frozenset[str]) -> bool:
    """Handle an element that refers to a removed relationship; True if it is gone."""
    keys = [k for k, v in el.attrib.items() if v in dead and (_in(k, _R) or k == _O_RELID)]
    if not keys:
        return False
    name = local(el)
    if el.tag in _UNWRAP_DEAD:
        safexml.unwrap(el)
    elif name in _ATTRIBUTE_DEAD:
        for key in keys:
            del el.attrib[key]
        return False
    elif name in _CLIMB_DEAD and _in(el.tag, _P):
        _remove_ancestor(el, _CLIMB_DEAD[name])
    else:
        drop(el)
    return True


def _remove_deleted(el: Element) -> None:
    parent = el.getparent()
    if parent is None:
        return
    if local(parent) == "trPr":
        _remove_ancestor(el, "tr")  # a deleted table row
    elif local(parent) == "rPr" and parent.getparent() is not None and parent.getparent().tag in _MATH_RUN:
        safexml.remove(parent.getparent())  # a deleted run in an equation
    else:
        # A deleted paragraph mark (in the mark's rPr) only loses its marker; content goes whole.
        safexml.remove(el)


def _remove_ancestor(el: Element, name: str) -> None:
    ancestor = el
    while ancestor is not None and local(ancestor) != name:
        ancestor = ancestor.getparent()
    drop(ancestor if ancestor is not None else el)


def local_name(key: str) -> str:
    return key.rpartition("}")[2]


def _in(key: str, uris: tuple[str, ...]) -> bool:
    uri = key[1:].partition("}")[0] if key.startswith("{") else ""
    return uri in uris
