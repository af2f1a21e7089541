"""What cleaning removed from a file: told to the reporter on the receipt and shown on the case page.

The values are stored (inside the attachment's encrypted metadata), so they never change; the
sentences a person reads are in ``portal/upload_messages.py``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Removal(enum.Enum):
    IMAGE_METADATA = "image-metadata"  # EXIF, GPS, camera serial, XMP, ICC, text chunks of a picture
    PROPERTIES = "properties"  # author, company, dates, revision count, /Info, XMP at any level
    EMBEDDED_IMAGES = "embedded-images"  # pictures inside the document, re-encoded without their metadata
    THUMBNAIL = "thumbnail"  # a preview picture of the first page
    COMMENTS = "comments"  # comments and their authors
    TRACKED_CHANGES = "tracked-changes"  # deleted text dropped, insertions accepted, authors gone
    PEOPLE = "people"  # lists of the people who edited (word/people.xml and the like)
    CUSTOM_XML = "custom-xml"  # customXml parts: document-management and sensitivity-label data
    PATHS = "paths"  # absolute paths (C:\Users\<name>\...), template and printer paths
    EXTERNAL_LINKS = "external-links"  # links that make the reader's program fetch from elsewhere
    ACTIVE_CONTENT = "active-content"  # JavaScript, actions run on opening, macros
    EMBEDDED_FILES = "embedded-files"  # attached or embedded files, OLE objects
    ANNOTATION_AUTHORS = "annotation-authors"  # names and times on PDF annotations
    SIGNATURES = "signatures"  # digital signatures: the certificate names the signer


@dataclass(frozen=True)
class CleanFile:
    """A file ready to be stored: safe name, type by content, clean bytes, and what was removed."""

    filename: str
    media_type: str
    data: bytes
    removed: frozenset[Removal]


@dataclass(frozen=True)
class Cleaned:
    """One cleaner's answer: the clean bytes and what was actually found and removed."""

    data: bytes
    removed: frozenset[Removal] = frozenset()
