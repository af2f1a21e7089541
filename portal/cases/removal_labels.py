"""What cleaning removed from a file, in the page's language: both audiences' pages say it.

Registered as the template global ``removal_label`` by ``create_app`` (``init_app``), not by
either blueprint, so that neither audience's pages depend on the other's package.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext

from . import uploads


def init_app(app: Flask) -> None:
    app.add_template_global(removal_label)


def removal_label(removal: uploads.Removal) -> str:
    """What cleaning removed from a file, as the reporter and the moderators read it."""
    return str(_REMOVALS[removal])


_REMOVALS = {
    uploads.Removal.IMAGE_METADATA: lazy_gettext("location, camera and other data stored in the picture"),
    uploads.Removal.PROPERTIES: lazy_gettext(
        "document properties (author, organisation, dates, editing time)"
    ),
    uploads.Removal.EMBEDDED_IMAGES: lazy_gettext("location and camera data of pictures inside the document"),
    uploads.Removal.THUMBNAIL: lazy_gettext("a preview picture of the first page"),
    uploads.Removal.COMMENTS: lazy_gettext("comments and their authors"),
    uploads.Removal.TRACKED_CHANGES: lazy_gettext(
        "tracked changes: deleted text removed, additions kept, authors gone"
    ),
    uploads.Removal.PEOPLE: lazy_gettext("the list of people who edited the document"),
    uploads.Removal.CUSTOM_XML: lazy_gettext("document-management and classification data"),
    uploads.Removal.PATHS: lazy_gettext("folder paths from the computer where the file was made"),
    uploads.Removal.EXTERNAL_LINKS: lazy_gettext(
        "links that would make the reader's program contact other servers"
    ),
    uploads.Removal.ACTIVE_CONTENT: lazy_gettext("scripts and actions that run when the file is opened"),
    uploads.Removal.EMBEDDED_FILES: lazy_gettext("files attached or embedded inside the document"),
    uploads.Removal.ANNOTATION_AUTHORS: lazy_gettext("names and times on annotations"),
    uploads.Removal.SIGNATURES: lazy_gettext(
        "digital signatures, which name the signer (a cleaned file no longer carries them)"
    ),
}
