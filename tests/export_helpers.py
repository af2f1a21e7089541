"""Reading what an export wrote (issue 15 part 3): the PDF's text as a reader extracts it, and its
bytes with every stream decompressed, where a masked passage must not be."""

from __future__ import annotations

import contextlib
import io
import re
import zipfile

import pikepdf
import pypdf


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def decompressed(pdf: bytes) -> bytes:
    """The whole file with its streams decoded (content, fonts, ToUnicode maps, metadata)."""
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(pdf)) as document:
        document.save(
            out,
            compress_streams=False,
            stream_decode_level=pikepdf.StreamDecodeLevel.all,
            object_stream_mode=pikepdf.ObjectStreamMode.disable,
        )
    return out.getvalue()


def encodings(text: str) -> list[bytes]:
    """The ways a PDF writer could put ``text`` into a file."""
    found = [text.encode("utf-8"), text.encode("utf-16-be"), text.encode("utf-16-le")]
    found.append(text.encode("utf-16-be").hex().encode())
    found.append(text.encode("utf-16-be").hex().upper().encode())
    with contextlib.suppress(UnicodeEncodeError):
        found.append(text.encode("latin-1"))
    return found


def assert_absent(pdf: bytes, secret: str) -> None:
    """Neither the file nor its decompressed form holds the text, in any encoding, and a reader
    extracts it from no page."""
    for data in (pdf, decompressed(pdf)):
        for encoded in encodings(secret):
            assert encoded not in data, (secret, encoded[:40])
    for text in pages_text(pdf):
        assert secret not in text


def mapped_characters(pdf: bytes) -> set[str]:
    """Every character the PDF's fonts map a glyph to (their ToUnicode maps): a character that
    reaches no page has no glyph in the embedded subset, and so is in no map."""
    pairs = re.findall(rb"<([0-9A-Fa-f]{4})> <([0-9A-Fa-f]{4,8})>", decompressed(pdf))
    return {bytes.fromhex(target.decode()).decode("utf-16-be") for _code, target in pairs}


def zip_entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}
