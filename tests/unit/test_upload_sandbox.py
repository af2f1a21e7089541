"""The cleaners' child process: the limits hold, seen from inside the child, and anything that goes
wrong there becomes a refusal here, never a crash or a hang of the web worker."""

from __future__ import annotations

import os
import resource
import signal
import time
from pathlib import Path

import pytest

from portal.cases.uploads import CannotClean, DamagedFile, UnsupportedType, sandbox

GIB = 1024 * 1024 * 1024
HERE = __name__ + ":"  # the child finds these functions by name


def _limits() -> dict[str, tuple[int, int]]:
    return {
        "core": resource.getrlimit(resource.RLIMIT_CORE),
        "file size": resource.getrlimit(resource.RLIMIT_FSIZE),
        "cpu": resource.getrlimit(resource.RLIMIT_CPU),
        "address space": resource.getrlimit(resource.RLIMIT_AS),
    }


def _allocate(gib: int) -> int:
    return len(bytearray(gib * GIB))


def _write(path: str) -> str:
    try:
        with open(path, "wb") as target:
            target.write(b"plain text of a report")
    except OSError as error:
        return type(error).__name__
    return "written"


def _crash() -> None:
    os.kill(os.getpid(), signal.SIGSEGV)


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def _refuse() -> None:
    raise UnsupportedType


def _fail_with_the_file_in_the_message() -> None:
    raise ValueError("Anna Svensson, Storgatan 1")


def test_the_child_runs_with_the_limits() -> None:
    assert sandbox.run(HERE + "_limits") == {
        "core": (0, 0),
        "file size": (0, 0),
        "cpu": (30, 30),
        "address space": (2 * GIB, 2 * GIB),
    }


def test_a_bomb_that_allocates_past_the_limit_is_refused() -> None:
    with pytest.raises(CannotClean):
        sandbox.run(HERE + "_allocate", 3)
    assert sandbox.run(HERE + "_allocate", 1) == GIB  # a large but legal budget still works


def test_nothing_the_child_writes_reaches_the_disk(tmp_path: Path) -> None:
    target = tmp_path / "leak.txt"
    assert sandbox.run(HERE + "_write", str(target)) == "OSError"
    assert not target.exists() or target.stat().st_size == 0


def test_a_crashing_parser_is_a_refusal() -> None:
    with pytest.raises(CannotClean):
        sandbox.run(HERE + "_crash")


def test_a_stalled_parser_is_stopped_at_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox, "WALL_SECONDS", 1)
    started = time.monotonic()
    with pytest.raises(CannotClean):
        sandbox.run(HERE + "_sleep", 30)
    assert time.monotonic() - started < 5


def test_refusals_cross_and_other_errors_become_damaged_without_their_message() -> None:
    with pytest.raises(UnsupportedType):
        sandbox.run(HERE + "_refuse")
    with pytest.raises(DamagedFile) as damaged:
        sandbox.run(HERE + "_fail_with_the_file_in_the_message")
    assert "Anna" not in str(damaged.value) and damaged.value.__cause__ is None
