"""The instance folder and the SQLite files are the portal's alone (DESIGN.md §2, threat 2).

Another account on the same server must not copy the database, its write-ahead log or a backup.
SQLite creates a database with 0644 (less the umask), and its ``-wal`` and ``-shm`` with the mode
of the database file; so the portal creates the database file itself, 0600, before SQLite first
opens it, and the folder 0700. Files that an older version or a careless ``cp`` left readable are
closed at start-up, and the log says which (a path and two modes; nothing of their contents).
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE_DIRECTORY = 0o700
PRIVATE_FILE = 0o600
_GROUP_AND_OTHERS = stat.S_IRWXG | stat.S_IRWXO


def private_directory(path: Path) -> None:
    """Create ``path`` (and missing parents) as 0700, or take group and other bits off it."""
    path.mkdir(mode=PRIVATE_DIRECTORY, parents=True, exist_ok=True)
    close(path)


def private_file(path: Path) -> None:
    """Create ``path`` empty with 0600 if it is missing (SQLite takes an empty file for a new
    database), or take group and other bits off it; a missing folder is left for SQLite to report."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        close(path)
    except FileNotFoundError:
        return
    else:
        os.close(descriptor)


def sqlite_files(database: Path) -> None:
    """The database 0600 before SQLite opens it; its WAL and index, where an old run left them."""
    private_file(database)
    for suffix in ("-wal", "-shm"):
        companion = database.with_name(database.name + suffix)
        if companion.exists():
            close(companion)


def close(path: Path) -> None:
    """Take the group and other bits off an existing file or directory, saying so in the log."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if not mode & _GROUP_AND_OTHERS:
        return
    tightened = mode & ~_GROUP_AND_OTHERS
    try:
        path.chmod(tightened)
    except PermissionError:  # not ours: the operator must fix it (docs/deploy.md)
        log.error(
            "%s can be read by other users (mode %s) and cannot be changed: chmod it to %s",
            path,
            oct(mode),
            oct(tightened),
        )
        return
    log.warning("%s could be read by other users (mode %s): changed to %s", path, oct(mode), oct(tightened))
