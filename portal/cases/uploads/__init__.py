"""Attachments that must not identify the reporter: check, identify by content, clean.

Threats this package answers (the reporter is anonymous; the file is read by moderators and maybe
by the organisation the report is about):

- Metadata names or locates the reporter: EXIF/XMP/GPS/camera serials in photos (also photos
  inside documents), document properties, people lists, comments and tracked changes with their
  authors and deleted text, template and file paths, PDF metadata at every level.
- The file acts when a moderator opens it: PDF JavaScript and actions, embedded files, office
  links to outside addresses (a read beacon, or a Windows log-in hash sent to a stranger).
- A file is not what its name says and is opened by a moderator in the wrong program.
- Resource exhaustion: huge files, decompression bombs in images, zip containers and PDF streams;
  parsers that spin or crash (cleaning runs in a limited child process: ``sandbox``).

Everything happens in memory; nothing is logged. Refusals carry a fixed message and no part of the
file or its name, so callers may log or show them safely.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import sandbox
from .errors import (
    CannotClean,
    ContentMismatch,
    DamagedFile,
    DecompressionBomb,
    FileTooLarge,
    TooManyFiles,
    UnsupportedType,
    UploadRefused,
)
from .limits import MAX_FILE_BYTES, MAX_FILE_MB, MAX_FILES
from .removals import CleanFile, Removal

# Resolved in the child only: the cleaners are never imported by the web process.
_CLEAN_FILES = "portal.cases.uploads.cleaning:clean_files"

__all__ = [
    "MAX_FILES",
    "MAX_FILE_BYTES",
    "MAX_FILE_MB",
    "CannotClean",
    "CleanFile",
    "ContentMismatch",
    "DamagedFile",
    "DecompressionBomb",
    "FileTooLarge",
    "Removal",
    "TooManyFiles",
    "UnsupportedType",
    "UploadRefused",
    "check_count",
    "sanitize",
    "sanitize_all",
]


def check_count(n: int) -> None:
    """Refuse a submission with more than MAX_FILES files, before any of them is processed."""
    if n > MAX_FILES:
        raise TooManyFiles


def sanitize_all(files: Sequence[tuple[str, bytes]]) -> list[CleanFile]:
    """Every file of one submission cleaned in one limited child process, or the first refusal."""
    check_count(len(files))
    if not files:
        return []
    # Size first, here: an oversized upload is not even sent to the child.
    if any(len(data) > MAX_FILE_BYTES for _, data in files):
        raise FileTooLarge
    cleaned: list[CleanFile] = sandbox.run(_CLEAN_FILES, list(files))
    return cleaned


def sanitize(filename: str, data: bytes) -> CleanFile:
    """One file cleaned (see sanitize_all)."""
    return sanitize_all([(filename, data)])[0]
