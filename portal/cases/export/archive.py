"""The zip of an export: the PDF and the case's files that are not masked, decrypted, in memory.

Entry names come from the reporter's file names, so they are cut to a plain name (no folders, no
"..", no control characters) and numbered, which also keeps two files of one name apart. Entries
carry zip's earliest date (1980-01-01), not when the reporter sent them (DESIGN.md §3).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence

NAME_MAX = 100  # characters of a file name kept
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')


def safe_name(filename: str) -> str:
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip().lstrip(".")
    return name[-NAME_MAX:] or "file"


def build(pdf_name: str, pdf: bytes, files: Sequence[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo(pdf_name), pdf, compress_type=zipfile.ZIP_DEFLATED)
        for number, (filename, content) in enumerate(files, start=1):
            entry = zipfile.ZipInfo(f"files/{number:02d}-{safe_name(filename)}")
            archive.writestr(entry, content, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
