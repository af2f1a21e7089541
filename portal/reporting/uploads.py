"""Attachments that must not identify the reporter: check, identify by content, strip metadata.

Threats this module answers (the reporter is anonymous; the file is read by moderators and maybe by
the organisation the report is about):

- Metadata names or locates the reporter: EXIF/XMP/GPS/camera serials in photos, text chunks in PNG,
  /Info and XMP in PDF, author/company/template paths in office document properties.
- A file is not what its name says (an executable called photo.jpg, a PNG called report.pdf) and is
  opened by a moderator in the wrong program.
- Resource exhaustion: huge files, decompression bombs in images and zip containers.
- The display name leaks a path ("C:\\Users\\Anna Svensson\\...") or smuggles control characters.

Everything happens in memory; nothing is logged. Refusals carry a fixed message and no part of the
file or its name, so callers may log or show them safely.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from io import BytesIO

from PIL import Image, ImageOps
from pypdf import PdfReader, PdfWriter
from pypdf.constants import TrailerKeys
from pypdf.errors import DependencyError

MAX_FILE_BYTES = 10 * 1024 * 1024  # bytes per file, before any processing
MAX_FILES = 5  # files per submission
# Pixels (width * height). Decoded RGBA at this size is 160 MB: more would let a few small uploads
# exhaust the server's memory. Phone photos of 12-24 MP pass; 48/50 MP "full resolution" modes do not.
MAX_IMAGE_PIXELS = 40_000_000
MAX_ZIP_ENTRIES = 10_000  # entries per office document
MAX_ZIP_UNCOMPRESSED_BYTES = 100 * 1024 * 1024  # bytes, summed over all entries of an office document
MAX_NAME_CHARS = 100  # characters in the display name, extension included


class UploadRefused(Exception):
    """A file was refused. The message is fixed per class: never the file's name or content."""

    message = "The file was refused."

    def __init__(self) -> None:
        super().__init__(self.message)


class FileTooLarge(UploadRefused):
    message = f"A file is larger than {MAX_FILE_BYTES} bytes."


class TooManyFiles(UploadRefused):
    message = f"More than {MAX_FILES} files."


class UnsupportedType(UploadRefused):
    message = "The file's content is of a type that is not accepted."


class ContentMismatch(UploadRefused):
    message = "The file's name says another type than its content."


class DecompressionBomb(UploadRefused):
    message = "The file would be too large when unpacked."


class DamagedFile(UploadRefused):
    message = "The file is empty or cannot be read."


@dataclass(frozen=True)
class CleanFile:
    filename: str
    media_type: str
    data: bytes
    # True where the content itself can still identify the reporter (comments, tracked changes,
    # embedded pictures, annotation authors): the portal tells the reporter to check before sending.
    metadata_warning: bool


@dataclass(frozen=True)
class _Type:
    ext: str  # canonical extension, without the dot
    media_type: str
    aliases: tuple[str, ...] = ()


_JPEG = _Type("jpg", "image/jpeg", ("jpeg", "jpe", "jfif"))
_PNG = _Type("png", "image/png")
_WEBP = _Type("webp", "image/webp")
_PDF = _Type("pdf", "application/pdf")
_DOCX = _Type("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
_XLSX = _Type("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
_PPTX = _Type("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation")
_ODT = _Type("odt", "application/vnd.oasis.opendocument.text")
_ODS = _Type("ods", "application/vnd.oasis.opendocument.spreadsheet")
_ODP = _Type("odp", "application/vnd.oasis.opendocument.presentation")
_TXT = _Type("txt", "text/plain; charset=utf-8")

_OOXML = (_DOCX, _XLSX, _PPTX)
_ODF = (_ODT, _ODS, _ODP)
_BY_EXTENSION = {
    ext: kind
    for kind in (_JPEG, _PNG, _WEBP, _PDF, *_OOXML, *_ODF, _TXT)
    for ext in (kind.ext, *kind.aliases)
}

# Pillow format name and encoder options. The quality keeps text in photographed documents legible.
_IMAGES: dict[_Type, tuple[str, dict[str, object]]] = {
    _JPEG: ("JPEG", {"quality": 90}),
    _PNG: ("PNG", {"optimize": True}),
    _WEBP: ("WEBP", {"quality": 90}),
}

# Property parts replaced by empty ones, keyed by lower-case entry name (OPC part names ignore case,
# so "DOCPROPS/CORE.XML" is the same part to Word). Author, last modified by, company, manager,
# template path, dates, revision count and, in custom.xml, sensitivity labels with the e-mail address
# of whoever set them all live here.
_OOXML_PROPERTIES: Mapping[str, bytes] = {
    "docprops/core.xml": b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
    b' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"/>',
    "docprops/app.xml": b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"/>',
    "docprops/custom.xml": b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"/>',
}
_ODF_PROPERTIES: Mapping[str, bytes] = {
    "meta.xml": b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
    b' office:version="1.2"><office:meta/></office:document-meta>',
}
# A fixed entry time: LibreOffice stamps each entry with the time of saving, which narrows down who
# was at work then.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
# Windows refuses these in names; a moderator saving the file there would otherwise get an error.
_RESERVED_CHARS = frozenset('<>:"|?*')


def check_count(n: int) -> None:
    """Refuse a submission with more than MAX_FILES files, before any of them is processed."""
    if n > MAX_FILES:
        raise TooManyFiles


def sanitize(filename: str, data: bytes) -> CleanFile:
    """Return the file without identifying metadata, or raise a subclass of UploadRefused.

    The type comes from the content alone; the name only has to agree with it.
    """
    # Size first: nothing below should spend time or memory on an oversized upload.
    if len(data) > MAX_FILE_BYTES:
        raise FileTooLarge
    if not data:
        raise DamagedFile
    kind = _sniff(data)
    name = _display_name(filename, kind)
    if kind in _IMAGES:
        pillow_format, options = _IMAGES[kind]
        clean = _clean_image(data, pillow_format, options)
    elif kind is _PDF:
        clean = _clean_pdf(data)
    elif kind in _OOXML:
        clean = _rewrite_zip(data, _OOXML_PROPERTIES)
    elif kind in _ODF:
        clean = _rewrite_zip(data, _ODF_PROPERTIES, stored_first="mimetype")
    else:
        clean = data  # plain text has no metadata container
    return CleanFile(name, kind.media_type, clean, metadata_warning=kind not in _IMAGES and kind is not _TXT)


def _sniff(data: bytes) -> _Type:
    if data.startswith(b"\xff\xd8\xff"):
        return _JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _PNG
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _WEBP
    if data.startswith(b"%PDF-"):
        return _PDF
    if data.startswith(b"PK\x03\x04"):
        return _sniff_zip(data)
    # Text last: binary formats can happen to be valid UTF-8, but none of the above is text.
    if b"\x00" not in data:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise UnsupportedType from None
        return _TXT
    raise UnsupportedType


def _sniff_zip(data: bytes) -> _Type:
    with _open_zip(data) as archive:
        names = set(archive.namelist())
        found: list[_Type] = []
        try:
            if "mimetype" in names and archive.getinfo("mimetype").file_size <= 100:
                mimetype = archive.read("mimetype")
                found += [kind for kind in _ODF if mimetype == kind.media_type.encode()]
            if "[Content_Types].xml" in names:
                # The main part's content type says what the document is; macro-enabled and template
                # variants have other content types and so are not accepted.
                types = archive.read("[Content_Types].xml")
                found += [kind for kind in _OOXML if f'"{kind.media_type}.main+xml"'.encode() in types]
        except Exception:  # zipfile raises many types on hostile input (CRC, zlib, struct errors)
            raise DamagedFile from None
    if len(found) != 1:
        raise UnsupportedType
    return found[0]


def _open_zip(data: bytes) -> zipfile.ZipFile:
    """Open a zip container and refuse it before anything is decompressed if it could be a bomb."""
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except Exception:
        raise DamagedFile from None
    entries = archive.infolist()
    # zipfile stops each entry at its declared size (and then fails the CRC), so the declared sizes
    # bound what reading can produce.
    if len(entries) > MAX_ZIP_ENTRIES or sum(e.file_size for e in entries) > MAX_ZIP_UNCOMPRESSED_BYTES:
        archive.close()
        raise DecompressionBomb
    # Only what Office and LibreOffice write: bzip2/lzma are not bounded per read call, and
    # encrypted entries cannot be cleaned.
    if any(
        e.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or e.flag_bits & 1 for e in entries
    ):
        archive.close()
        raise UnsupportedType
    # Two entries with one name: programs disagree about which one counts, so one copy could keep the
    # metadata that the other had removed.
    names = [e.filename.lower() for e in entries]
    if len(set(names)) != len(names):
        archive.close()
        raise DamagedFile
    return archive


def _rewrite_zip(data: bytes, replacements: Mapping[str, bytes], stored_first: str | None = None) -> bytes:
    """Copy every entry's content unchanged except the property parts, into a fresh container.

    Fresh entry headers drop what the original container carried besides content: modification
    times, extra fields (some hold the creator's Unix uid/gid or NTFS times) and the archive comment.
    Only entries reachable from the central directory are copied, so data hidden between entries
    is dropped too.
    """
    out = BytesIO()
    with _open_zip(data) as source, zipfile.ZipFile(out, "w") as target:
        # ODF requires "mimetype" first and stored, so that its type is readable at a fixed offset.
        entries = sorted(source.infolist(), key=lambda e: e.filename != stored_first)
        for entry in entries:
            content = replacements.get(entry.filename.lower())
            if content is None:
                try:
                    content = source.read(entry)
                except Exception:
                    raise DamagedFile from None
            info = zipfile.ZipInfo(entry.filename, date_time=_ZIP_EPOCH)
            info.compress_type = (
                zipfile.ZIP_STORED if entry.filename == stored_first else zipfile.ZIP_DEFLATED
            )
            target.writestr(info, content)
    return out.getvalue()


def _clean_image(data: bytes, pillow_format: str, options: dict[str, object]) -> bytes:
    """Decode, apply the EXIF orientation, and encode the pixels alone into a new file.

    Re-encoding a fresh image (rather than deleting known tags) removes every metadata kind at
    once, including those we do not know about. Only the first frame of an animated PNG/WebP is
    kept: later frames could each carry their own content we never showed the reporter.
    """
    with warnings.catch_warnings():
        # Pillow warns (instead of raising) between its own limit and twice that: make it an error.
        # catch_warnings is process-wide; under concurrent requests a warning may only be printed,
        # but the explicit pixel check below refuses those images anyway.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        # Pillow reports malformed EXIF as UserWarning; the EXIF is discarded anyway, and refusing
        # such a photo would lose the report.
        warnings.simplefilter("ignore", UserWarning)
        try:
            # formats=: only the decoder the content was sniffed as, not every plugin Pillow has.
            with Image.open(BytesIO(data), formats=[pillow_format]) as image:
                # Image.open reads only the header: refuse before any pixel is decoded.
                if image.width * image.height > MAX_IMAGE_PIXELS:
                    raise DecompressionBomb
                # A photo taken sideways must not look different after its orientation tag is gone.
                # In place: at the pixel limit every extra copy costs 120-160 MB.
                ImageOps.exif_transpose(image, in_place=True)
                return _encode_pixels_only(image, pillow_format, options)
        except UploadRefused:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise DecompressionBomb from None
        except Exception:  # decoders raise many types on damaged or hostile input
            raise DamagedFile from None


def _encode_pixels_only(image: Image.Image, pillow_format: str, options: dict[str, object]) -> bytes:
    if image.mode in ("P", "PA"):
        # The palette's transparency lives in image info, which is not carried over below.
        image = image.convert("RGBA" if image.has_transparency_data else "RGB")
    # A new image has empty info: no EXIF, XMP, ICC profile, comment or text chunk can reach the
    # encoder, whatever the original held.
    fresh = Image.new(image.mode, image.size)
    fresh.paste(image)
    out = BytesIO()
    fresh.save(out, format=pillow_format, **options)
    return out.getvalue()


def _clean_pdf(data: bytes) -> bytes:
    """Rewrite the PDF without /Info, catalog XMP and file identifiers.

    Only objects reachable from the catalog are written, so earlier revisions kept by incremental
    saves (often containing text the reporter deleted) are dropped as well.
    """
    try:
        reader = PdfReader(BytesIO(data))
        # Many PDFs are encrypted with an empty user password (to restrict printing, say); those can
        # be rewritten. With a real password we cannot see, let alone clean, the content.
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnsupportedType
        # Removed from the reader before cloning, so the clone never copies the objects at all.
        # /ID is derived by many producers from the time and the file's path when it was made.
        reader.trailer.pop(TrailerKeys.INFO, None)
        reader.trailer.pop(TrailerKeys.ID, None)
        reader.root_object.pop("/Metadata", None)
        writer = PdfWriter(clone_from=reader)
        out = BytesIO()
        writer.write(out)
    except UploadRefused:
        raise
    except DependencyError:  # AES encryption needs the optional "cryptography" package
        raise UnsupportedType from None
    except Exception:  # pypdf raises many types on damaged or hostile input
        raise DamagedFile from None
    return out.getvalue()


def _display_name(filename: str, kind: _Type) -> str:
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
