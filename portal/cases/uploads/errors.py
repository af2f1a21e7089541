"""Why a file was refused. Each message is fixed per class: never the file's name or content, so
callers may log or show a refusal safely (the reporter sees a translated sentence instead)."""

from __future__ import annotations

from .limits import MAX_FILE_BYTES, MAX_FILES


class UploadRefused(Exception):
    message = "The file was refused."

    def __init__(self) -> None:
        super().__init__(self.message)

    def __reduce__(self) -> tuple[type[UploadRefused], tuple[()]]:
        # Refusals cross the cleaner's process boundary by pickle; the message is the class's own.
        return (type(self), ())


class FileTooLarge(UploadRefused):
    message = f"A file is larger than {MAX_FILE_BYTES} bytes."


class TooManyFiles(UploadRefused):
    message = f"More than {MAX_FILES} files."


class UnsupportedType(UploadRefused):
    message = "The file's content is of a type that is not accepted."


class ContentMismatch(UploadRefused):
    message = "The file's name says another type than its content."


class DecompressionBomb(UploadRefused):
    message = "The file would be too large when unpacked."


class DamagedFile(UploadRefused):
    message = "The file is empty or cannot be read."


class CannotClean(UploadRefused):
    """The file is readable but holds something the cleaner cannot remove safely (for example an
    encrypted part, or a structure it does not understand), or the cleaner ran out of its time or
    memory budget on it. Refused rather than passed on half-cleaned."""

    message = "The file could not be cleaned."
