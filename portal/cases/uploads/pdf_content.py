"""Pictures drawn inline in a content stream (BI ... ID ... EI), which no dictionary points to.

ReportLab's drawInlineImage, for one, copies a JPEG file byte for byte into the page's content:
EXIF and all. Such a picture is re-encoded like an image XObject and written back inline.
"""

from __future__ import annotations

import base64
import zlib

import pikepdf

from . import pdf_images
from .errors import CannotClean, DamagedFile, DecompressionBomb
from .limits import MAX_IMAGE_PIXELS
from .pdf_streams import Budget, chain_of, measure_data
from .removals import Removal

# Looked for while a content stream is measured; only a stream that has one is parsed.
# "DCT" is in both /DCT and /DCTDecode; JPEG 2000 has no abbreviation.
JPEG_FILTERS = (b"DCT", b"JPXDecode")
_DROPPED_KEYS = frozenset({"/Filter", "/DecodeParms", "/Length"})
# Decoded bytes of a content stream we parse whole to rewrite: each operator becomes a Python
# object (50 bytes of content cost about 2.5 KB of memory), so a larger one is refused.
MAX_REWRITTEN_BYTES = 8 * 1024 * 1024


def _is_jpeg(image: pikepdf.PdfInlineImage) -> bool:
    filters = image.obj.get("/Filter")
    names = [filters] if isinstance(filters, pikepdf.Name) else list(filters or [])
    return any(str(name) in ("/DCTDecode", "/DCT", "/JPXDecode") for name in names)


def clean_inline_images(stream: pikepdf.Object, size: int, budget: Budget) -> set[Removal]:
    """Re-encode the inline JPEGs of one content stream of ``size`` decoded bytes, in place;
    what was removed."""
    try:
        # Inline images only, first: qpdf skips everything else without making Python objects.
        found = pikepdf.parse_content_stream(stream, "BI ID EI")
        if not any(_is_jpeg(i.iimage) for i in found if isinstance(i, pikepdf.ContentStreamInlineImage)):
            return set()
        if size > MAX_REWRITTEN_BYTES:
            raise CannotClean
        instructions = pikepdf.parse_content_stream(stream)
    except (pikepdf.PdfError, ValueError, TypeError):
        # qpdf reads even binary data as tokens, so this is rare: a stream that names a JPEG
        # filter and cannot be read might hide one, and is not passed on unread.
        raise CannotClean from None
    removed: set[Removal] = set()
    pieces: list[bytes] = []
    pending: list[pikepdf.ContentStreamInstruction | pikepdf.ContentStreamInlineImage] = []
    changed = False
    for instruction in instructions:
        if isinstance(instruction, pikepdf.ContentStreamInlineImage):
            replacement = _inline_jpeg(instruction.iimage, budget)
            if replacement is not None:
                data, had_metadata = replacement
                if pending:
                    pieces.append(pikepdf.unparse_content_stream(pending))
                    pending = []
                pieces.append(data)
                changed = True
                if had_metadata:
                    removed.add(Removal.EMBEDDED_IMAGES)
                continue
        pending.append(instruction)
    if changed:
        if pending:
            pieces.append(pikepdf.unparse_content_stream(pending))
        stream.write(zlib.compress(b"\n".join(pieces)), filter=pikepdf.Name.FlateDecode)
    return removed


def _inline_jpeg(image: pikepdf.PdfInlineImage, budget: Budget) -> tuple[bytes, bool] | None:
    """The inline image re-encoded (BI ... EI bytes), or None if it is not a JPEG."""
    header = image.obj
    chain = chain_of(header)
    if chain.codec == "/JPXDecode":
        raise CannotClean
    if chain.codec != "/DCTDecode":
        return None  # raw samples: pixels only, like those of image XObjects
    width, height = header.get("/Width"), header.get("/Height")
    if not isinstance(width, int) or not isinstance(height, int) or width < 1 or height < 1:
        raise DamagedFile
    if width * height > MAX_IMAGE_PIXELS:
        raise DecompressionBomb
    budget.spend_pixels(width * height * 4)
    jpeg = measure_data(image.read_raw_bytes(), chain, budget, keep=True).data or b""
    # An inline image's colour space may be a resource name, whose components we do not look up.
    bands = pdf_images.components(header.get("/ColorSpace"))
    new, had_metadata = pdf_images.reencode_jpeg(jpeg, width, height, bands)
    entries = {key: value for key, value in header.items() if key not in _DROPPED_KEYS}
    entries["/Filter"] = pikepdf.Array([pikepdf.Name.ASCII85Decode, pikepdf.Name.DCTDecode])
    entries["/BitsPerComponent"] = 8
    body = pikepdf.Dictionary(entries).unparse()[2:-2]  # without the << >>
    # ASCII85 keeps the binary JPEG from containing a stray "EI" that would end the image early.
    return b"BI" + body + b"ID\n" + base64.a85encode(new, wrapcol=76) + b"~>\nEI", had_metadata
