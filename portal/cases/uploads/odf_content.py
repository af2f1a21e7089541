"""The XML of an OpenDocument (content.xml, styles.xml, also of a kept chart or formula object).

``odf`` decides which files stay; this module edits the body and styles: tracked changes (the
deleted text lives in text:tracked-changes), comments, scripts and event handlers, DDE links,
references that the program fetches (linked pictures, sections, sheets, frames, fonts), hyperlinks
to files, LibreOffice's rsids, inline pictures, and paths in any attribute.
"""

from __future__ import annotations

import base64
import binascii
import posixpath
from collections.abc import Set
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from lxml import etree

from . import images, safexml
from .errors import DamagedFile
from .removals import Removal
from .safexml import Element, local, tag_set

_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_DRAW = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
_SCRIPT = "urn:oasis:names:tc:opendocument:xmlns:script:1.0"
_PRESENTATION = "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0"
_ANIM = "urn:oasis:names:tc:opendocument:xmlns:animation:1.0"
_FORM = "urn:oasis:names:tc:opendocument:xmlns:form:1.0"
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
_OOO = "http://openoffice.org/2009/office"  # LibreOffice's own: comments on slides, rsids
_DC = "http://purl.org/dc/elements/1.1/"
_META = "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"

# The deleted text and every change's author and time; insertions are already in the body.
_TRACKED = tag_set((_TEXT, _TABLE), "tracked-changes") | tag_set((_OFFICE,), "change-info")
_TRACKED |= tag_set((_TEXT,), "change", "change-start", "change-end")
_COMMENTS = tag_set((_OFFICE, _OOO), "annotation", "annotation-end")
# Code and what runs it: scripts, event handlers, macro fields, OLE verbs, applets and plug-ins.
_ACTIVE = tag_set((_OFFICE,), "scripts", "event-listeners") | tag_set((_PRESENTATION,), "event-listener")
_ACTIVE |= tag_set((_TEXT,), "script") | tag_set((_ANIM,), "command") | tag_set((_DRAW,), "applet", "plugin")
# Dynamic Data Exchange: another program is started or asked for data when the file opens.
_DDE = tag_set((_TEXT,), "dde-connection-decls") | tag_set((_TABLE,), "dde-links")
_DDE |= tag_set((_OFFICE,), "dde-source")
_UNWRAPPED_ACTIVE = tag_set((_TEXT,), "execute-macro", "dde-connection")
_AUTHORS = tag_set((_DC,), "creator", "date") | tag_set((_META,), "creator-initials")
_RSIDS = frozenset({f"{{{_OOO}}}rsid", f"{{{_OOO}}}paragraph-rsid"})
# References the reader clicks, never fetched on their own: kept when they lead to the web.
_CLICKED = tag_set((_TEXT,), "a") | tag_set((_DRAW,), "a", "area-rectangle", "area-circle", "area-polygon")
# A style or list picture that loses its outside file keeps its other properties.
_HREF_ONLY = tag_set((_STYLE,), "background-image") | tag_set((_TEXT,), "list-level-style-image")
_FRAME = f"{{{_DRAW}}}frame"
_FRAME_CONTENT = tag_set((_DRAW,), "image", "object", "object-ole", "text-box", "plugin", "applet")
_FRAME_CONTENT |= tag_set((_DRAW,), "floating-frame")
_BINARY_DATA = f"{{{_OFFICE}}}binary-data"
_REFERENCES = frozenset({_XLINK_HREF, f"{{{_FORM}}}image-data"})
_SPECIAL = sorted(_TRACKED | _COMMENTS | _ACTIVE | _DDE | _UNWRAPPED_ACTIVE | _AUTHORS | {_BINARY_DATA})
_ACTIVE_SCHEMES = ("macro:", "vnd.sun.star.script:", "vnd.sun.star.basic:", "javascript:")


@dataclass
class Part:
    """One XML file being cleaned: its document's folder ("" or "Object 1/"), the files that stay,
    and what was found."""

    base: str
    kept: Set[str]
    found: set[Removal] = field(default_factory=set)
    folders: set[str] = field(init=False)

    def __post_init__(self) -> None:
        # Every folder of a kept file: "./Object 1" names a folder.
        self.folders = {name.rsplit("/", n)[0] for name in self.kept for n in range(1, name.count("/") + 1)}


def clean(root: Element, part: Part) -> None:
    # libxml2 finds the few elements that matter (a spreadsheet has an element per cell), and
    # Python looks only at attributes that can hold a reference, an rsid or a path.
    for el in list(root.iter(*_SPECIAL)) + list(root.iter(f"{{{_SCRIPT}}}*")):
        if el is not root and safexml.attached(el, root):
            _clean_element(el, part)
    candidates = [
        (el, key)
        for el in root.iter(etree.Element)
        for key, value in el.items()
        if key in _REFERENCES or key in _RSIDS or ":" in value or "\\" in value or "/" in value
    ]
    for el, key in candidates:
        if key in el.attrib and safexml.attached(el, root):
            _clean_attribute(el, key, part)


def _clean_element(el: Element, part: Part) -> None:
    tag = el.tag
    if tag in _TRACKED:
        part.found.add(Removal.TRACKED_CHANGES)
        safexml.remove(el)
    elif tag in _COMMENTS:
        part.found.add(Removal.COMMENTS)
        safexml.remove(el)
    elif tag in _ACTIVE or tag in _DDE or safexml.namespace(el) == _SCRIPT:
        # LibreOffice writes an empty <office:scripts/> into every file: only content counts.
        if len(el) or tag not in _ACTIVE:
            part.found.add(Removal.ACTIVE_CONTENT)
        _remove_from_frame(el)
    elif tag in _UNWRAPPED_ACTIVE:
        part.found.add(Removal.ACTIVE_CONTENT)
        safexml.unwrap(el)  # the field's shown text stays
    elif tag in _AUTHORS:
        part.found.add(Removal.PEOPLE)
        safexml.remove(el)
    elif tag == _BINARY_DATA:
        _clean_binary_picture(el, part)


def _clean_attribute(el: Element, key: str, part: Part) -> None:
    value = el.attrib[key]
    if key in _RSIDS:
        del el.attrib[key]
    elif key in _REFERENCES:
        _clean_reference(el, key, value, part)
    elif safexml.has_path(value):
        part.found.add(Removal.PATHS)
        if key.endswith("}formula"):
            del el.attrib[key]  # a formula into a file on disk: the cached value stays
        else:
            el.attrib[key] = ""


def _clean_reference(el: Element, key: str, value: str, part: Part) -> None:
    """Keep, unlink or remove what ``value`` refers to."""
    target = _inside(part.base, value)
    if value.startswith("#") or (target is not None and (target in part.kept or target in part.folders)):
        return
    # Form controls' xlink:href is where a button leads or a form is sent: on a click too.
    clicked = key == _XLINK_HREF and (el.tag in _CLICKED or safexml.namespace(el) == _FORM)
    if target is None:  # outside the package
        kind = safexml.link_kind(value)
        if clicked and kind == "web":
            return
        if value.strip().lower().startswith(_ACTIVE_SCHEMES):
            part.found.add(Removal.ACTIVE_CONTENT)
        else:
            part.found |= safexml.link_removals(kind, fetched=not clicked)
    # else: a file that was dropped (and reported) above, or that never existed
    if el.tag in _CLICKED and local(el) == "a":
        safexml.unwrap(el)  # the link's text stays
    elif clicked or el.tag in _HREF_ONLY:
        del el.attrib[key]
    else:
        _remove_from_frame(el)


def _inside(base: str, value: str) -> str | None:
    """The package file a reference names, or None if it leads outside the package."""
    reference = unquote(value.strip())
    if not reference or reference.startswith(("/", "\\\\")) or urlsplit(reference).scheme:
        return None
    path = posixpath.normpath(posixpath.join(base, reference.removeprefix("./")))
    return None if path.startswith("..") else path


def _remove_from_frame(el: Element) -> None:
    """Remove ``el``; a frame left with nothing to show goes too (a box with only a title)."""
    parent = el.getparent()
    safexml.remove(el)
    if parent is not None and parent.tag == _FRAME and not any(c.tag in _FRAME_CONTENT for c in parent):
        safexml.remove(parent)


def _clean_binary_picture(el: Element, part: Part) -> None:
    """A picture inside the XML itself (base64): re-encoded like any other, or removed."""
    try:
        picture = base64.b64decode("".join((el.text or "").split()), validate=True)
        cleaned = images.clean_embedded(picture) if picture else None
    except (binascii.Error, ValueError, DamagedFile):
        cleaned = None  # a broken picture goes, not the whole report
    part.found.add(Removal.EMBEDDED_IMAGES)
    if cleaned is None:
        _remove_from_frame(el.getparent() if el.getparent() is not None else el)
    else:
        el.text = base64.b64encode(cleaned).decode()
