"""Writing a backup file so that it is either complete or absent, never half there."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from .outcome import BackupRefused


@contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """A temporary file beside ``path`` (mode 0600), fsync'd and renamed onto it on success."""
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    # The rename itself must survive a power cut: fsync the directory that holds it.
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def check_new_file(path: Path) -> None:
    """A backup (or a report) is never written over an existing file."""
    if path.exists():
        raise BackupRefused(f"{path} exists already; give the backup a new name")
    if not path.parent.is_dir():
        raise BackupRefused(f"there is no directory {path.parent}")
