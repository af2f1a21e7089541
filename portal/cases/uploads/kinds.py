"""What a file is, from its content alone, and a display name that agrees with it.

A file that is not what its name says (an executable called photo.jpg, a PNG called report.pdf)
would be opened by a moderator in the wrong program; a name can leak a path
("C:\\Users\\Anna Svensson\\...") or smuggle control characters.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .errors import ContentMismatch, DamagedFile, UnsupportedType
from .limits import MAX_NAME_CHARS
from .zips import open_zip


@dataclass(frozen=True)
class Kind:
    ext: str  # canonical extension, without the dot
    media_type: str
    aliases: tuple[str, ...] = ()


JPEG = Kind("jpg", "image/jpeg", ("jpeg", "jpe", "jfif"))
PNG = Kind("png", "image/png")
WEBP = Kind("webp", "image/webp")
PDF = Kind("pdf", "application/pdf")
DOCX = Kind("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
XLSX = Kind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
PPTX = Kind("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation")
ODT = Kind("odt", "application/vnd.oasis.opendocument.text")
ODS = Kind("ods", "application/vnd.oasis.opendocument.spreadsheet")
ODP = Kind("odp", "application/vnd.oasis.opendocument.presentation")
TXT = Kind("txt", "text/plain; charset=utf-8")

IMAGES = (JPEG, PNG, WEBP)
OOXML = (DOCX, XLSX, PPTX)
ODF = (ODT, ODS, ODP)
_BY_EXTENSION = {ext: kind for kind in (*IMAGES, PDF, *OOXML, *ODF, TXT) for ext in (kind.ext, *kind.aliases)}
# Windows refuses these in names; a moderator saving the file there would otherwise get an error.
_RESERVED_CHARS = frozenset('<>:"|?*')


def sniff(data: bytes) -> Kind:
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"PK\x03\x04"):
        return _sniff_zip(data)
    # Text last: binary formats can happen to be valid UTF-8, but none of the above is text.
    if b"\x00" not in data:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise UnsupportedType from None
        return TXT
    raise UnsupportedType


def _sniff_zip(data: bytes) -> Kind:
    with open_zip(data) as archive:
        names = set(archive.namelist())
        found: list[Kind] = []
        try:
            if "mimetype" in names and archive.getinfo("mimetype").file_size <= 100:
                mimetype = archive.read("mimetype")
                found += [kind for kind in ODF if mimetype == kind.media_type.encode()]
            if "[Content_Types].xml" in names:
                # The main part's content type says what the document is; macro-enabled and template
                # variants have other content types and so are not accepted.
                types = archive.read("[Content_Types].xml")
                found += [kind for kind in OOXML if f'"{kind.media_type}.main+xml"'.encode() in types]
        except Exception:  # zipfile raises many types on hostile input (CRC, zlib, struct errors)
            raise DamagedFile from None
    if len(found) != 1:
        raise UnsupportedType
    return found[0]


def display_name(filename: str, kind: Kind) -> str:
    """A name that is safe to show and to save: basename only, the extension always kind's own.

    Raises ContentMismatch if the name's extension is that of another accepted type. An unknown
    extension stays part of the name ("scan.v2" -> "scan.v2.pdf"), so dots in names are kept.
    """
    name = unicodedata.normalize("NFC", filename)
    # Both separators whatever the server's OS: browsers on Windows may send the full client path.
    name = re.split(r"[/\\]", name)[-1]
    # Tabs and line breaks are both whitespace and control characters: they become spaces first.
    name = "".join(" " if c.isspace() else c for c in name)
    # Category C: control, format (e.g. U+202E, which shows "gpj.exe" as "exe.jpg"), unassigned.
    name = "".join(
        c for c in name if not unicodedata.category(c).startswith("C") and c not in _RESERVED_CHARS
    )
    # Windows ignores trailing dots and spaces ("x.pdf." is x.pdf), so the extension is taken after them.
    name = " ".join(name.split()).rstrip(" .")
    stem, dot, ext = name.rpartition(".")
    named = _BY_EXTENSION.get(ext.lower()) if dot else None
    if named is None:
        stem = name
    elif named is not kind:
        raise ContentMismatch
    # Leading dots would hide the file on Unix-like systems.
    stem = stem.strip(" .")[: MAX_NAME_CHARS - len(kind.ext) - 1].rstrip(" .")
    return f"{stem or 'attachment'}.{kind.ext}"
