"""What the upload tests plant in files: a name where metadata hides, and the containers for it."""

from __future__ import annotations

import time
from io import BytesIO

import pytest
from PIL import ExifTags, Image
from pypdf import PdfWriter

from portal.cases.uploads import sanitize

CANARY = "Canary Person"
CANARY_BYTES = CANARY.encode()
SERIAL = "SN-123456"  # a camera's body serial number: it links every photo taken with it
XMP = (
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>'
    f"{CANARY}</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>"
)


def exif(orientation: int = 1, serial: str = SERIAL) -> Image.Exif:
    """A phone's EXIF: the owner's name, the camera, its serial number and where it was."""
    data = Image.Exif()
    data[ExifTags.Base.Artist] = CANARY
    data[ExifTags.Base.Make] = "CanaryCam"
    data[ExifTags.Base.BodySerialNumber] = serial
    data[ExifTags.Base.Orientation] = orientation
    data[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (59.0, 19.0, 48.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (18.0, 4.0, 7.0),
    }
    return data


def pypdf_document(pages: int = 2) -> bytes:
    """Blank pages with the canary in /Info and in the catalog's XMP, and file identifiers."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(200, 200)
    writer.add_metadata({"/Author": CANARY, "/Creator": "Word for Canary"})
    writer.xmp_metadata = XMP.encode()
    writer.generate_file_identifiers()
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def refused_promptly(refusal: type[Exception], name: str, data: bytes) -> None:
    """Refused, and well before the sandbox's own 60 s deadline: a guard against a cleaner that
    expands or spins, not a speed target (the fork server's one-time start is not counted)."""
    sanitize("warm.txt", b"the fork server is running")
    started = time.perf_counter()
    with pytest.raises(refusal):
        sanitize(name, data)
    assert time.perf_counter() - started < 10
