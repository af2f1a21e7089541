"""One file in, its clean form out: the work done inside the sandbox's child process.

Only the child imports this module (and, through it, pikepdf, lxml and the parsers): the web
process never loads a parser of untrusted files.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import images, kinds, odf, ooxml, pdf
from .errors import DamagedFile, FileTooLarge
from .limits import MAX_FILE_BYTES
from .removals import Cleaned, CleanFile, Removal


def clean_files(files: Sequence[tuple[str, bytes]]) -> list[CleanFile]:
    return [clean_file(filename, data) for filename, data in files]


def clean_file(filename: str, data: bytes) -> CleanFile:
    """The file without identifying metadata, or a subclass of UploadRefused.

    The type comes from the content alone; the name only has to agree with it.
    """
    # Size first: nothing below should spend time or memory on an oversized upload.
    if len(data) > MAX_FILE_BYTES:
        raise FileTooLarge
    if not data:
        raise DamagedFile
    kind = kinds.sniff(data)
    name = kinds.display_name(filename, kind)
    cleaned = _clean(kind, data)
    return CleanFile(name, kind.media_type, cleaned.data, cleaned.removed)


def _clean(kind: kinds.Kind, data: bytes) -> Cleaned:
    if kind in kinds.IMAGES:
        pillow_format = images.raster_format(data) or kind.ext.upper()
        # Every photo carries some metadata (at least its encoder's); the receipt says it is gone.
        return Cleaned(images.clean_image(data, pillow_format), frozenset({Removal.IMAGE_METADATA}))
    if kind is kinds.PDF:
        return pdf.clean(data)
    if kind in kinds.OOXML:
        return ooxml.clean(data)
    if kind in kinds.ODF:
        return odf.clean(data)
    return Cleaned(data)  # plain text has no metadata container
