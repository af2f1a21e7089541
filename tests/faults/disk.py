"""A small file system of the test's own (a tmpfs), and a file that fills it to the last byte.

Mounting needs root (the tests run as root here and in CI); where ``mount`` is refused the test
is skipped with the reason.
"""

from __future__ import annotations

import errno
import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

FILLER = "filler"


@contextmanager
def tmpfs(megabytes: int) -> Iterator[Path]:
    where = Path(tempfile.mkdtemp(prefix="portal-fault-disk-"))
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m,mode=0700", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode:
        where.rmdir()
        pytest.skip(
            f"cannot mount a tmpfs for the disk-full tests: {mounted.stderr.strip() or mounted.returncode}"
        )
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=True)
        where.rmdir()


def fill(where: Path) -> Path:
    """Write until the file system says ENOSPC, in ever smaller pieces, so nothing is left."""
    filler = where / FILLER
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for piece in (1 << 20, 1 << 16, 1 << 12, 1):
            while True:
                try:
                    os.write(descriptor, b"\0" * piece)
                except OSError as error:
                    assert error.errno == errno.ENOSPC, error
                    break
    finally:
        os.close(descriptor)
    assert os.statvfs(where).f_bavail == 0
    return filler
