"""Zip containers (office and OpenDocument files) opened with bounds and written afresh."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from io import BytesIO

from .errors import DamagedFile, DecompressionBomb, UnsupportedType
from .limits import MAX_DECODED_BYTES, MAX_ZIP_ENTRIES

# A fixed entry time: LibreOffice stamps each entry with the time of saving, which narrows down who
# was at work then.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def open_zip(data: bytes) -> zipfile.ZipFile:
    """Open a zip container and refuse it before anything is decompressed if it could be a bomb."""
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except Exception:
        raise DamagedFile from None
    entries = archive.infolist()
    # zipfile stops each entry at its declared size (and then fails the CRC), so the declared sizes
    # bound what reading can produce.
    if len(entries) > MAX_ZIP_ENTRIES or sum(e.file_size for e in entries) > MAX_DECODED_BYTES:
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


def read_all(archive: zipfile.ZipFile) -> dict[str, bytes]:
    """Every entry's content by name, in the archive's order."""
    try:
        return {entry.filename: archive.read(entry) for entry in archive.infolist()}
    except Exception:  # CRC, zlib and struct errors on hostile input
        raise DamagedFile from None


def write_zip(entries: Iterable[tuple[str, bytes]], stored_first: str | None = None) -> bytes:
    """A fresh container with these entries, in this order.

    Fresh entry headers drop what the original container carried besides content: modification
    times, extra fields (some hold the creator's Unix uid/gid or NTFS times) and the archive comment.
    Only what is given is written, so data hidden between entries is dropped too.
    ``stored_first`` names an entry written uncompressed (ODF's "mimetype", which must come first).
    """
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name, content in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_STORED if name == stored_first else zipfile.ZIP_DEFLATED
            target.writestr(info, content)
    return out.getvalue()
