"""Where a request's files wait while it is read, and what a full spool does to the form.

werkzeug keeps a file part of up to 500 KB in memory and writes a larger one to a temporary file
in ``PORTAL_UPLOAD_SPOOL_DIR`` (empty: the system's, ``TMPDIR``; docs/deploy.md puts it on a
tmpfs so that a report's files never touch a disk unencrypted). When that file system is full,
werkzeug's own spool raises ENOSPC in the middle of parsing the body: the fields after the file
are never read, and the answer could not give back what was typed.

So the portal's request spools into :class:`SpoolFile`, which on ENOSPC drops what it had of
that file (freeing its space at once), reads the rest of the body as usual and marks the request.
The file fields' validator :class:`ArrivedWhole` then refuses the form with one sentence: the
view answers with its form and everything typed in it, as for any refused field, and nothing is
stored (a refused form rolls back, portal/db.py).
"""

from __future__ import annotations

import errno
import io
import tempfile
from typing import IO, Any

from flask import Request, current_app, request
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage
from wtforms import Field, Form
from wtforms.validators import ValidationError

from .cases.intake import Upload

IN_MEMORY_BYTES = 500 * 1024  # werkzeug's own threshold: smaller parts never reach the disk
_FULL = "portal.upload_spool_full"  # set in the request's environ when a file was dropped


def directory() -> str | None:
    """The configured spool directory, or None for the system's (``tempfile``'s choice)."""
    return current_app.config["PORTAL"].upload_spool_dir or None


class SpoolFile(io.RawIOBase):
    """One file part: in memory up to ``IN_MEMORY_BYTES``, then a temporary file; empty and
    marked if the spool's file system has no room for it."""

    def __init__(self, where: str | None, environ: dict[str, Any]) -> None:
        super().__init__()
        self._where = where
        self._environ = environ
        self._file: IO[bytes] = io.BytesIO()
        self._on_disk = False
        self.dropped = False

    def write(self, data: Any) -> int:
        size = len(data)
        if self.dropped:
            return size  # the rest of this file goes nowhere; the parser reads on
        try:
            if not self._on_disk and self._file.tell() + size > IN_MEMORY_BYTES:
                self._to_disk()
            self._file.write(data)
        except OSError as error:
            if error.errno != errno.ENOSPC:
                raise
            self._drop()
        return size

    def _to_disk(self) -> None:
        # Unlinked at once, so gone when closed; open for as long as the request holds the file.
        spooled = tempfile.TemporaryFile(dir=self._where)  # noqa: SIM115
        memory = self._file
        assert isinstance(memory, io.BytesIO)  # only the in-memory file moves to the disk
        try:
            spooled.write(memory.getbuffer())
        except BaseException:
            spooled.close()
            raise
        self._file.close()
        self._file, self._on_disk = spooled, True

    def _drop(self) -> None:
        self._file.close()  # frees what this file took of the spool
        self._file, self._on_disk = io.BytesIO(), False
        self.dropped = True
        self._environ[_FULL] = True

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._file.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def read(self, size: int | None = -1) -> bytes:
        return self._file.read(-1 if size is None else size)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def close(self) -> None:
        self._file.close()
        super().close()


class SpoolingRequest(Request):
    """Flask's request with the portal's spool (``app.request_class``)."""

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        return SpoolFile(directory(), self.environ)  # type: ignore[return-value]


def spool_was_full() -> bool:
    return bool(request.environ.get(_FULL, False))


class ArrivedWhole:
    """Validator of a file field: refuse the form when a file was dropped for want of room."""

    message = _l(
        "The portal had no room to receive your files just now, so nothing was sent. Everything "
        "else you wrote is still here: attach the files again in a few minutes and send."
    )

    def __call__(self, form: Form, field: Field) -> None:
        if spool_was_full():
            raise ValidationError(str(self.message))


def _chosen(files: list[Any] | None) -> list[FileStorage]:
    # A text part named like the file field arrives as a string among the files, and a file field
    # left empty as a part without a name: neither is an upload.
    return [f for f in files or () if isinstance(f, FileStorage) and f.filename]


def has_files(files: list[Any] | None) -> bool:
    """Whether a form's file field brought any file (without reading them)."""
    return bool(_chosen(files))


def uploads_of(files: list[Any]) -> list[Upload]:
    """A form's file field as uploads for ``cases.intake``."""
    return [Upload(f.filename or "", f.read()) for f in _chosen(files)]
