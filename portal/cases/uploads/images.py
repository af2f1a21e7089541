"""Pictures re-encoded from their pixels alone: standalone uploads and pictures inside documents.

Re-encoding a fresh image (rather than deleting known tags) removes every metadata kind at once
(EXIF, GPS, camera serials, XMP, ICC profiles, comments, PNG text chunks), including those we do not
know about. Pictures inside office documents and PDFs go through the same function: a photo pasted
into a Word file keeps its GPS position otherwise.
"""

from __future__ import annotations

import warnings
from io import BytesIO

from PIL import Image, ImageOps

from .errors import DamagedFile, DecompressionBomb, UploadRefused
from .limits import MAX_IMAGE_PIXELS

# Pillow format name and encoder options. The quality keeps text in photographed documents legible.
ENCODERS: dict[str, dict[str, object]] = {
    "JPEG": {"quality": 90},
    "PNG": {"optimize": True},
    "WEBP": {"quality": 90},
    "GIF": {},
    "BMP": {},
    "TIFF": {"compression": "tiff_deflate"},
}
# Pillow's format for the leading bytes of a raster picture inside a document.
_SIGNATURES = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
)


def clean_image(data: bytes, pillow_format: str) -> bytes:
    """Decode, apply the EXIF orientation, and encode the pixels alone into a new file.

    Only the first frame of an animated PNG/WebP/GIF is kept: later frames could each carry their
    own content we never showed the reporter.
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
                return _encode_pixels_only(image, pillow_format)
        except UploadRefused:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise DecompressionBomb from None
        except Exception:  # decoders raise many types on damaged or hostile input
            raise DamagedFile from None


def raster_format(data: bytes) -> str | None:
    """Pillow's name for a raster picture's format, or None for anything else (EMF, SVG, ...)."""
    return next((fmt for signature, fmt in _SIGNATURES if data.startswith(signature)), None)


def clean_embedded(data: bytes) -> bytes | None:
    """A picture found inside a document, re-encoded in its own format; None if it is not a raster
    picture this module knows (the caller decides what to do with vector pictures)."""
    pillow_format = raster_format(data)
    return None if pillow_format is None else clean_image(data, pillow_format)


def _encode_pixels_only(image: Image.Image, pillow_format: str) -> bytes:
    if image.mode in ("P", "PA"):
        # The palette's transparency lives in image info, which is not carried over below.
        image = image.convert("RGBA" if image.has_transparency_data else "RGB")
    if pillow_format in ("JPEG", "BMP") and image.mode not in ("RGB", "L", "CMYK"):
        image = image.convert("RGB")
    # A new image has empty info: no EXIF, XMP, ICC profile, comment or text chunk can reach the
    # encoder, whatever the original held.
    fresh = Image.new(image.mode, image.size)
    fresh.paste(image)
    out = BytesIO()
    fresh.save(out, format=pillow_format, **ENCODERS[pillow_format])
    return out.getvalue()
