"""Pictures inside a PDF: image XObjects and inline images, reduced to their pixels.

A photo pasted into Word and saved as PDF is usually embedded byte for byte: its EXIF (GPS position,
camera serial, owner name), XMP and ICC profile travel inside the PDF. Every JPEG is therefore
re-encoded from its pixels with ``images.clean_image``, like an uploaded photo. Other pictures are
stored as raw samples, which carry nothing but pixels; they are only checked for data beyond the
pixels (bytes after the compressed stream, or more samples than the picture has), and rewritten
without it. JPEG 2000 is refused: its boxes carry XMP, GeoJP2 positions and comments, and we have
no encoder to rebuild it.
"""

from __future__ import annotations

import zlib
from io import BytesIO

import pikepdf
from PIL import Image

from . import images
from .errors import CannotClean, DamagedFile, DecompressionBomb
from .limits import MAX_IMAGE_PIXELS
from .pdf_rules import is_true, targets
from .pdf_streams import Budget, Chain, chain_of, decode, measure_data
from .removals import Removal

# Keys of an image dictionary that describe where the picture came from rather than its pixels:
# XMP (often the photo's EXIF copied by Illustrator or InDesign), application data, a link to the
# original high-resolution file on a prepress server (OPI).
_PRIVATE_KEYS = ("/Metadata", "/PieceInfo", "/LastModified", "/OPI")
_COMPONENTS = {
    "/DeviceGray": 1,
    "/G": 1,
    "/CalGray": 1,
    "/Indexed": 1,
    "/I": 1,
    "/Separation": 1,
    "/DeviceRGB": 3,
    "/RGB": 3,
    "/CalRGB": 3,
    "/Lab": 3,
    "/DeviceCMYK": 4,
    "/CMYK": 4,
}
_BANDS = {"L": 1, "RGB": 3, "CMYK": 4}


def clean_xobject(image: pikepdf.Object, budget: Budget) -> set[Removal]:
    """Clean one image XObject in place; what was removed."""
    removed: set[Removal] = set()
    for key in _PRIVATE_KEYS:
        if key in image:
            if key == "/OPI":  # its /F names the original's file on a server or disk
                removed |= targets(image.get(key), depth=2)
            del image[key]
            removed.add(Removal.EMBEDDED_IMAGES)
    width, height = _size(image)
    chain = chain_of(image)
    if chain.codec == "/JPXDecode":
        raise CannotClean
    if chain.codec == "/DCTDecode":
        budget.spend_pixels(width * height * 4)  # before decoding; 4 = the most a JPEG has (CMYK)
        jpeg = measure_data(image.read_raw_bytes(), chain, budget, keep=True).data or b""
        new, had_metadata = reencode_jpeg(jpeg, width, height, components(image.get("/ColorSpace")))
        image.write(new, filter=pikepdf.Name.DCTDecode)
        image.BitsPerComponent = 8
        return removed | ({Removal.EMBEDDED_IMAGES} if had_metadata else set())
    if chain.codec is not None:  # CCITT fax or JBIG2: bi-level codings of pixels only, kept as they are
        budget.spend_pixels(-(-width // 8) * height)
        measure_data(image.read_raw_bytes(), chain, budget)
        return removed
    if _raw_samples_rewritten(image, chain, width, height, budget):
        removed.add(Removal.EMBEDDED_IMAGES)
    return removed


def reencode_jpeg(jpeg: bytes, width: int, height: int, bands: int | None) -> tuple[bytes, bool]:
    """The JPEG from its pixels alone, and whether the original carried metadata segments."""
    # EXIF goes first, ourselves: clean_image would turn the pixels by the EXIF orientation, but a
    # PDF viewer never does (the producer already placed the picture), so a turned picture would be
    # stretched into the wrong shape.
    stripped, had_metadata = strip_jpeg_segments(jpeg)
    try:
        new = images.clean_image(stripped, "JPEG")
    except DamagedFile:
        raise CannotClean from None  # the PDF opens; only this picture cannot be decoded by us
    with Image.open(BytesIO(new)) as check:
        same_shape = check.size == (width, height) and (bands is None or _BANDS.get(check.mode) == bands)
    if not same_shape:
        raise CannotClean  # the dictionary disagrees with the JPEG: no faithful rewrite exists
    return new, had_metadata


def strip_jpeg_segments(jpeg: bytes) -> tuple[bytes, bool]:
    """The JPEG without its metadata segments (EXIF, XMP, ICC, IPTC, comments, JFIF thumbnails).

    Only the segments before the first scan are read; everything after it is copied, and dropped
    later anyway by re-encoding. Keeps the Adobe segment, which says how to read CMYK colours.
    """
    if not jpeg.startswith(b"\xff\xd8"):
        raise CannotClean
    out = bytearray(b"\xff\xd8")
    had_metadata = False
    i, n = 2, len(jpeg)
    while True:
        if i >= n or jpeg[i] != 0xFF:
            raise CannotClean
        while i < n and jpeg[i] == 0xFF:  # fill bytes
            i += 1
        if i >= n:
            raise CannotClean
        marker = jpeg[i]
        i += 1
        if marker == 0xD9 or 0xD0 <= marker <= 0xD7 or marker == 0x01:  # no length field
            out += bytes((0xFF, marker))
            if marker == 0xD9:
                return bytes(out), had_metadata
            continue
        length = int.from_bytes(jpeg[i : i + 2], "big")
        if length < 2 or i + length > n:
            raise CannotClean
        if marker == 0xDA:  # start of scan: the compressed pixels follow
            return bytes(out) + b"\xff\xda" + jpeg[i:], had_metadata
        body = jpeg[i + 2 : i + length]
        if _is_metadata(marker, body):
            had_metadata = True
        else:
            out += bytes((0xFF, marker)) + jpeg[i : i + length]
        i += length


def _is_metadata(marker: int, body: bytes) -> bool:
    if marker == 0xE0:  # JFIF: only the 14-byte header without a thumbnail is not metadata
        return not (body.startswith(b"JFIF\x00") and len(body) == 14)
    if marker == 0xEE:  # Adobe: colour transform of CMYK/YCCK pictures
        return not body.startswith(b"Adobe")
    return 0xE1 <= marker <= 0xEF or marker == 0xFE  # APP1-APP15 and comments


def components(colorspace: pikepdf.Object | None) -> int | None:
    """Colour components per pixel of an image colour space; None if we cannot tell."""
    if isinstance(colorspace, pikepdf.Name):
        return _COMPONENTS.get(str(colorspace))
    if isinstance(colorspace, pikepdf.Array) and len(colorspace) >= 1:
        family = str(colorspace[0])
        if family == "/ICCBased" and len(colorspace) >= 2:
            n = colorspace[1].get("/N") if isinstance(colorspace[1], pikepdf.Stream) else None
            return n if isinstance(n, int) and n in (1, 3, 4) else None
        if family == "/DeviceN" and len(colorspace) >= 2 and isinstance(colorspace[1], pikepdf.Array):
            return len(colorspace[1])
        return _COMPONENTS.get(family)
    return None


def _size(image: pikepdf.Object) -> tuple[int, int]:
    width, height = image.get("/Width"), image.get("/Height")
    if not isinstance(width, int) or not isinstance(height, int) or width < 1 or height < 1:
        raise DamagedFile
    # Checked before anything is decoded: the same limit as for an uploaded picture.
    if width * height > MAX_IMAGE_PIXELS:
        raise DecompressionBomb
    return width, height


def _raw_samples_rewritten(
    image: pikepdf.Object, chain: Chain, width: int, height: int, budget: Budget
) -> bool:
    """Check raw samples for data beyond the pixels; rewrite them without it. Whether rewritten."""
    decoded = decode(image.read_raw_bytes(), chain, budget.pixels_left)
    budget.spend_pixels(decoded.size)
    if is_true(image.get("/ImageMask")):
        bands: int | None = 1
        bits = 1
    else:
        bands = components(image.get("/ColorSpace"))
        bpc = image.get("/BitsPerComponent", 8)
        bits = bpc if isinstance(bpc, int) and bpc in (1, 2, 4, 8, 16) else 8
    expected = None if bands is None else height * (-(-width * bands * bits // 8))
    # A PNG predictor adds one byte per row; TIFF's adds none.
    allowed = None if expected is None else expected + (height if chain.predictor >= 10 else 0)
    if not decoded.trailing and (allowed is None or decoded.size <= allowed):
        return False
    try:
        pixels = image.read_bytes(pikepdf.StreamDecodeLevel.specialized)  # safe now: measured above
    except pikepdf.PdfError:
        raise CannotClean from None
    image.write(zlib.compress(pixels[:expected] if expected else pixels), filter=pikepdf.Name.FlateDecode)
    return True
