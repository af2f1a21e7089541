"""Limits on attachments, each with its unit and the reason for its size."""

from __future__ import annotations

MAX_FILE_MB = 10  # megabytes (MiB) per file: the unit the forms and messages state it in
MAX_FILE_BYTES = MAX_FILE_MB * 1024 * 1024  # bytes per file, before any processing
MAX_FILES = 5  # files per submission
# Pixels (width * height). Decoded RGBA at this size is 160 MB: more would let a few small uploads
# exhaust the server's memory. Phone photos of 12-24 MP pass; 48/50 MP "full resolution" modes do not.
MAX_IMAGE_PIXELS = 40_000_000
MAX_ZIP_ENTRIES = 10_000  # entries per office document
# Bytes, summed over everything one document decodes to: the entries of an office document, or the
# streams of a PDF. A 10 MB upload that unpacks to more is a bomb, not a document.
MAX_DECODED_BYTES = 100 * 1024 * 1024
# Bytes of pixels, summed over every picture of one PDF. Pictures are budgeted apart from the other
# streams because a scanned document legitimately decodes to 50-100 times its file size: this is
# about 90 A4 pages scanned in colour at 200 dpi, and 3-4 s of re-encoding.
MAX_PIXEL_BYTES = 1024 * 1024 * 1024
MAX_NAME_CHARS = 100  # characters in the display name, extension included
