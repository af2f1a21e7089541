"""Cleaners run on untrusted files in a child process with hard limits.

A hostile document can be built to make a parser spin, eat memory or crash (a Flate bomb, a zip
whose XML nests a million deep, a bug in a C library). The child is forked from a small server
process that has already imported the cleaners (multiprocessing's forkserver: fast, and never a
fork of a threaded web worker), and before it touches the file it gets:

- an address-space limit, so a bomb ends in MemoryError or death, not in the web server swapping;
- a CPU-time limit and a wall-clock deadline, so a slow parser cannot hold a request forever;
- no core dumps and a file-size limit of zero, so nothing of the file (plain text at this point)
  can reach the disk, not even by a crash.

Anything that goes wrong in the child becomes a refusal (``CannotClean``), never a half-cleaned file.
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import resource
import signal
import sys
from multiprocessing.connection import Connection
from typing import Any

from .errors import CannotClean, DamagedFile, UploadRefused

MEMORY_BYTES = 2 * 1024 * 1024 * 1024  # address space of one cleaning child
CPU_SECONDS = 30  # CPU time of one cleaning child (five 10 MB files take about 1 s)
WALL_SECONDS = 60  # from start to answer, including waiting for a busy CPU

# What the fork server imports once, so that no child has to: the cleaners, and the main script
# (gunicorn's, flask's, a benchmark's) as multiprocessing's default does. A child whose server has
# not imported the main script imports it itself, which costs every file the script's own imports
# (250 ms for a benchmark, measured with bench/uploads.py).
_PRELOAD = ["__main__", "portal.cases.uploads.cleaning"]  # see uploads/__init__.py
_context = multiprocessing.get_context("forkserver")

log = logging.getLogger(__name__)


def run(target: str, *args: Any) -> Any:
    """``module:function(*args)`` in a limited child process; its UploadRefused is raised here.

    The function is named rather than passed, so that only the child imports its module.
    """
    _context.set_forkserver_preload(_PRELOAD)  # read when the server starts, at the first call
    receiver, sender = _context.Pipe(duplex=False)
    child = _context.Process(target=_child, args=(sender, target, args), daemon=True)
    try:
        child.start()
    except OSError:  # the fork server could not start or died: refuse the file, keep the form
        log.exception("the cleaning sandbox could not start")
        receiver.close()
        raise CannotClean from None
    finally:
        sender.close()
    try:
        if not receiver.poll(WALL_SECONDS):
            raise CannotClean
        ok, value = receiver.recv()
    except EOFError:  # the child died: killed by a limit, or crashed
        raise CannotClean from None
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()
    if not ok:
        raise value from None  # nothing of the child's traceback (which may quote the file)
    return value


def _child(sender: Connection, target: str, args: tuple[Any, ...]) -> None:
    _limit_self()
    try:
        module, name = target.split(":")
        function = getattr(importlib.import_module(module), name)
        result: tuple[bool, Any] = (True, function(*args))
    except UploadRefused as refused:
        result = (False, refused)
    except MemoryError:
        result = (False, CannotClean())
    except Exception:  # a parser's own error on hostile input
        result = (False, DamagedFile())
    sender.send(result)
    sender.close()


def _limit_self() -> None:
    sys.dont_write_bytecode = True
    # Writing past the size limit then fails with an error instead of killing the child silently.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
