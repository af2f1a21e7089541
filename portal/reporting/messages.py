"""What a reporter is told when a file is refused (in the page's language)."""

from __future__ import annotations

from flask_babel import gettext, lazy_gettext

from ..cases import uploads


def _(text: str, **values: object) -> str:
    return str(gettext(text, **values))


def upload_error(refused: uploads.UploadRefused) -> str:
    mb = uploads.MAX_FILE_BYTES // (1024 * 1024)
    if isinstance(refused, uploads.FileTooLarge):
        return _("A file is larger than %(mb)d MB. Nothing was sent; make it smaller and try again.", mb=mb)
    if isinstance(refused, uploads.TooManyFiles):
        return _("At most %(n)d files at a time. Nothing was sent.", n=uploads.MAX_FILES)
    if isinstance(refused, uploads.DecompressionBomb):
        return _("An image or document is too large when unpacked. Nothing was sent.")
    if isinstance(refused, uploads.ContentMismatch):
        return _(
            "A file's content does not match its name (for example a picture named .pdf). Nothing was sent."
        )
    if isinstance(refused, uploads.UnsupportedType):
        return _("A file has a type the portal does not accept. Use images, PDF, office documents or text.")
    if isinstance(refused, uploads.CannotClean):
        return _(
            "A file could not be cleaned of what might identify you, so it was not sent. "
            "Save it as PDF or take a screenshot, and attach that instead."
        )
    return _("A file could not be read; it may be damaged. Nothing was sent.")


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
