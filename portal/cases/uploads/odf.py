"""OpenDocument files (ODT, ODS, ODP): which files of the package stay.

The policy, file by file (META-INF/manifest.xml lists the files and their types):

- content.xml and styles.xml are kept and cleaned (``odf_content``).
- meta.xml (author, dates, editing time, template path, generator with its operating system) is
  replaced by an empty one; settings.xml (printer name and driver blob, database and window
  settings) by a valid minimal one. Both are optional in ODF; empty ones keep every reader happy.
- Pictures are re-encoded from their pixels, SVG is cleaned; metafiles (WMF, EMF, LibreOffice's
  SVM, used for object previews) are kept: they have no EXIF/XMP container. Other pictures go.
- Thumbnails/ (a picture of the first page), Basic/, Scripts/ and Dialogs/ (macros), signatures
  (the signer's certificate) are dropped with their reason on the receipt.
- Embedded objects: charts and formulas are ODF sub-documents that a spreadsheet or slide needs
  to show its chart; they are kept and cleaned like the document itself (their own meta.xml and
  settings.xml are emptied). Every other embedded object (another text, sheet or presentation,
  or an OLE object in a foreign binary format) carries its own metadata that we cannot reach
  safely: dropped. Its frame keeps the preview picture (ObjectReplacements/) if it has one, as an
  OLE object's preview stays in Word; a frame left with nothing to show goes.
- UI configuration (Configurations2/), layout-cache and manifest.rdf are dropped without a line
  on the receipt: they hold no content. Any other file is dropped as an embedded file, and so is
  any file the manifest does not list (LibreOffice itself treats such a package as broken).
An encrypted package cannot be cleaned and is refused. mimetype stays first and stored, and the
manifest lists exactly what stays.
"""

from __future__ import annotations

import re

from . import images, odf_content, safexml, svg
from .errors import CannotClean, DamagedFile
from .removals import Cleaned, Removal
from .safexml import Element
from .zips import open_zip, read_all, write_zip

_MANIFEST = "META-INF/manifest.xml"
_M = "{urn:oasis:names:tc:opendocument:xmlns:manifest:1.0}"
_FULL_PATH = _M + "full-path"
_CONFIG = "{urn:oasis:names:tc:opendocument:xmlns:config:1.0}"
_XML_PARTS = ("content.xml", "styles.xml")
_KEPT_OBJECTS = ("application/vnd.oasis.opendocument.chart", "application/vnd.oasis.opendocument.formula")
_SILENT = ("Configurations2/", "layout-cache", "manifest.rdf", "META-INF/")
_MACROS = ("Basic/", "Scripts/", "Dialogs/")
_SIGNATURES = re.compile(r"META-INF/[^/]*signatures[^/]*\.xml")
_VERSION = re.compile(r"\d+\.\d+")


def clean(data: bytes) -> Cleaned:
    with open_zip(data) as archive:
        entries = read_all(archive)
    if "mimetype" not in entries or _MANIFEST not in entries:
        raise DamagedFile
    if any(safexml.unsafe_entry_name(name) for name in entries):
        raise DamagedFile
    manifest = safexml.parse(entries[_MANIFEST])
    if any(True for _ in manifest.iter(_M + "encryption-data")):
        raise CannotClean  # encrypted files cannot be read, so not cleaned
    listed = {
        el.get(_FULL_PATH, ""): el.get(_M + "media-type", "") for el in manifest.iter(_M + "file-entry")
    }
    # Every sub-document ("Object 1/") by folder: whether it stays.
    documents = {
        path: media_type.startswith(_KEPT_OBJECTS)
        for path, media_type in listed.items()
        if path.endswith("/") and path != "/" and media_type.startswith("application/vnd.oasis.opendocument.")
    }
    version = _version(entries.get("content.xml", b""))
    found: set[Removal] = set()
    out: dict[str, bytes] = {}
    xml_parts: list[tuple[str, str]] = []
    for name, content in entries.items():
        if name.endswith("/") or name in ("mimetype", _MANIFEST):
            continue
        base = max((path for path in documents if name.startswith(path)), key=len, default="")
        if base and not documents[base]:
            found.add(Removal.EMBEDDED_FILES)
            continue
        inner = name[len(base) :]
        if inner in _XML_PARTS:
            out[name] = content
            xml_parts.append((name, base))
        elif inner == "meta.xml":
            out[name] = _empty_meta(version)
            if safexml.has_values(content):
                found.add(Removal.PROPERTIES)
        elif inner == "settings.xml":
            out[name] = _empty_settings(version)
            if _settings_name_places(content):
                found.add(Removal.PATHS)
        else:
            kept = _other_file(inner, content, found, name in listed)
            if kept is not None:
                out[name] = kept

    for name, base in xml_parts:
        root = safexml.parse(out[name])
        part = odf_content.Part(base, out.keys())
        odf_content.clean(root, part)
        found |= part.found
        out[name] = safexml.serialize(root)

    _update_manifest(manifest, out)
    ordered = [("mimetype", entries["mimetype"]), (_MANIFEST, safexml.serialize(manifest))]
    ordered += [(name, out[name]) for name in entries if name in out]
    # ODF requires "mimetype" first and stored, so that its type is readable at a fixed offset.
    return Cleaned(write_zip(ordered, stored_first="mimetype"), frozenset(found))


def _other_file(inner: str, content: bytes, found: set[Removal], listed: bool) -> bytes | None:
    """A file besides the XML parts: its clean content, or None if it is dropped."""
    if inner.startswith("Thumbnails/"):
        found.add(Removal.THUMBNAIL)
    elif inner.startswith(_MACROS):
        found.add(Removal.ACTIVE_CONTENT)
    elif _SIGNATURES.fullmatch(inner):
        found.add(Removal.SIGNATURES)  # the signer's name and e-mail in the certificate
    elif inner.startswith(_SILENT):
        pass
    elif inner.startswith(("Pictures/", "ObjectReplacements/")):
        return _picture(content, found)
    elif listed:
        found.add(Removal.EMBEDDED_FILES)  # OLE objects, media, anything we do not know
    return None  # (a file the manifest does not list is not part of the document)


def _picture(content: bytes, found: set[Removal]) -> bytes | None:
    try:
        cleaned = images.clean_embedded(content)
    except DamagedFile:
        cleaned, content = None, b""  # a broken picture is dropped, not the whole report
    if cleaned is not None:
        found.add(Removal.EMBEDDED_IMAGES)
        return cleaned
    if content.startswith(b"VCLMTF") or _is_metafile(content):
        return content
    drawing = svg.clean(content) if content else None
    if drawing is not None:
        found.update(drawing[1])
        return drawing[0]
    found.add(Removal.EMBEDDED_IMAGES)
    return None


def _is_metafile(content: bytes) -> bool:
    emf = content[:4] == b"\x01\x00\x00\x00" and content[40:44] == b" EMF"
    wmf = content.startswith(b"\xd7\xcd\xc6\x9a") or (
        content[:2] in (b"\x01\x00", b"\x02\x00") and content[2:4] == b"\x09\x00"
    )
    return emf or wmf


def _version(content: bytes) -> str:
    match = re.search(rb'office:version="([0-9.]+)"', content[:4096])
    version = match.group(1).decode() if match else ""
    return version if _VERSION.fullmatch(version) else "1.2"


def _empty_meta(version: str) -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        b' office:version="' + version.encode() + b'"><office:meta/></office:document-meta>'
    )


def _empty_settings(version: str) -> bytes:
    # office:settings needs at least one item set, so the valid empty form has none at all.
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<office:document-settings xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        b' office:version="' + version.encode() + b'"/>'
    )


def _settings_name_places(content: bytes) -> bool:
    """Whether settings.xml named a printer or held a path (window sizes and zoom do not count)."""
    try:
        root = safexml.parse(content)
    except (DamagedFile, CannotClean):
        return bool(content.strip())
    for item in root.iter(_CONFIG + "config-item"):
        value = (item.text or "").strip()
        if value and (
            item.get(_CONFIG + "name") in ("PrinterName", "PrinterSetup") or safexml.has_path(value)
        ):
            return True
    return False


def _update_manifest(manifest: Element, out: dict[str, bytes]) -> None:
    """The manifest lists exactly the files that stay (and their folders)."""
    listed = set()
    for entry in list(manifest.iter(_M + "file-entry")):
        path = entry.get(_FULL_PATH, "")
        if path == "/" or path in out or (path.endswith("/") and any(n.startswith(path) for n in out)):
            listed.add(path)
        else:
            safexml.remove(entry)
    for name, content in out.items():
        if name not in listed:  # a kept file that the manifest forgot
            fmt = images.raster_format(content)
            media_type = "text/xml" if name.endswith(".xml") else f"image/{fmt.lower()}" if fmt else ""
            manifest.append(
                manifest.makeelement(_M + "file-entry", {_FULL_PATH: name, _M + "media-type": media_type})
            )
