"""SVG pictures inside documents (Office 2016+ and LibreOffice store them as they were inserted).

An SVG is a program's XML, not pixels: it can carry <metadata> (RDF with the author), editor data
(Inkscape's export path /home/<name>/..., sodipodi:docname), comments, scripts and event handlers
(active content for whatever viewer the moderator opens the picture in), and references that a
viewer fetches (<image href="https://...">, url(...) in styles, @import): read beacons, or a file
server log-in. What is kept: SVG elements that draw, attributes without a namespace (plus xml:*),
and references inside the picture (#id). Raster pictures embedded as data: addresses are re-encoded
like every other photo (they keep their EXIF otherwise).
"""

from __future__ import annotations

import base64
import binascii
import re

from . import images, safexml
from .errors import CannotClean, DamagedFile
from .removals import Removal

SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
_XML = "http://www.w3.org/XML/1998/namespace"
# Whole elements that hold metadata, run code, show another document, fetch fonts, or animate
# (an animation can turn a harmless href into javascript: after the checks below).
_DROPPED = safexml.tag_set(
    (SVG,),
    "metadata",
    "script",
    "foreignObject",
    "handler",
    "listener",
    "iframe",
    "video",
    "audio",
    "animate",
    "animateMotion",
    "animateTransform",
    "animateColor",
    "set",
    "discard",
    "font-face-uri",
    "font-face-src",
)
_ACTIVE = safexml.tag_set((SVG,), "script", "handler", "listener", "set", "animate", "discard")
_URL = re.compile(r"url\(\s*['\"]?\s*([^)'\"\s]*)", re.IGNORECASE)
_DATA_IMAGE = re.compile(r"data:image/(?:png|jpeg|jpg|gif|bmp);base64,(.*)", re.IGNORECASE | re.DOTALL)


def clean(data: bytes) -> tuple[bytes, frozenset[Removal]] | None:
    """The SVG without metadata, scripts and outside references, and what was found; None if it
    cannot be read safely (a DTD, entities, not SVG), so that the caller drops it."""
    try:
        root = safexml.parse(data)
    except (DamagedFile, CannotClean):
        return None
    if root.tag != f"{{{SVG}}}svg":
        return None
    found: set[Removal] = set()
    for el in safexml.walk(root):
        if el.tag in _DROPPED or safexml.namespace(el) != SVG:
            found.add(Removal.ACTIVE_CONTENT if el.tag in _ACTIVE else Removal.EMBEDDED_IMAGES)
            safexml.remove(el)
            continue
        found |= _clean_attributes(el)
        if safexml.local(el) == "style" and el.text and _has_outside_reference(el.text):
            el.text = ""
            found.add(Removal.EXTERNAL_LINKS)
    safexml.drop_unused_namespaces(root)  # xmlns:inkscape="..." names the editor
    return safexml.serialize(root), frozenset(found)


def _clean_attributes(el: safexml.Element) -> set[Removal]:
    found: set[Removal] = set()
    for name, value in list(el.attrib.items()):
        uri = name[1:].partition("}")[0] if name.startswith("{") else ""
        plain = name.rpartition("}")[2]
        if uri not in ("", XLINK, _XML):
            found.add(Removal.EMBEDDED_IMAGES)  # editor data: inkscape:*, sodipodi:*, ...
            del el.attrib[name]
        elif plain.lower().startswith("on"):
            found.add(Removal.ACTIVE_CONTENT)  # onload=, onclick=, ...
            del el.attrib[name]
        elif plain == "href":
            replaced = _clean_href(value)
            if replaced is None:
                found.add(Removal.EXTERNAL_LINKS)
                del el.attrib[name]
            elif replaced != value:
                found.add(Removal.EMBEDDED_IMAGES)
                el.attrib[name] = replaced
        elif _has_outside_reference(value):
            found.add(Removal.EXTERNAL_LINKS)
            del el.attrib[name]
    return found


def _clean_href(value: str) -> str | None:
    """An href that stays inside the picture, or None. A raster data: address is re-encoded."""
    value = value.strip()
    if value.startswith("#"):
        return value
    match = _DATA_IMAGE.fullmatch(value)
    if match is None:
        return None
    try:
        picture = base64.b64decode("".join(match.group(1).split()), validate=True)
    except (binascii.Error, ValueError):
        return None
    cleaned = images.clean_embedded(picture)
    if cleaned is None:
        return None
    fmt = images.raster_format(cleaned) or "PNG"
    return f"data:image/{fmt.lower()};base64,{base64.b64encode(cleaned).decode()}"


def _has_outside_reference(text: str) -> bool:
    if "@import" in text.lower():
        return True
    return any(not target.startswith("#") for target in _URL.findall(text))
