"""What a person is told when a file is refused (in the page's language): the reporter, or a
moderator recording a report given by phone or in a meeting."""

from __future__ import annotations

from flask_babel import gettext

from .cases import uploads


def _(text: str, **values: object) -> str:
    return str(gettext(text, **values))


def upload_error(refused: uploads.UploadRefused) -> str:
    if isinstance(refused, uploads.FileTooLarge):
        return _(
            "A file is larger than %(mb)d MB. Nothing was sent; make it smaller and try again.",
            mb=uploads.MAX_FILE_MB,
        )
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
