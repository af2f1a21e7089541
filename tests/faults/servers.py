"""Servers that a fault test owns, so that it may stop them: a Redis, a PostgreSQL cluster.

The shared PostgreSQL and Redis of the suite (``PORTAL_TEST_*``) serve other tests at the same
moment and are never stopped; a fault test starts its own on a free loopback port, breaks it,
and removes it afterwards. ``initdb`` refuses to run as root: as root, the cluster's commands
run as the ``postgres`` user (``runuser``), in a directory that user owns.

Each start raises :class:`Missing` when the binaries are not installed; :func:`or_skip` turns
that into a skip with the reason (``.ci/run`` installs them).
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest

from tests.live_server import free_port

READY_TIMEOUT_SECONDS = 30.0
PG_BIN_DIRS = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)


T = TypeVar("T")


class Missing(RuntimeError):
    """A server binary is not installed: the test that needs it skips with this reason."""


def or_skip(stack: ExitStack, server: AbstractContextManager[T]) -> T:
    """Start ``server`` in ``stack``, or skip the test with the reason it cannot start."""
    try:
        return stack.enter_context(server)
    except Missing as missing:
        pytest.skip(str(missing))


def _binary(name: str, package: str, extra_dirs: list[str] = []) -> str:  # noqa: B006 (read only)
    found = shutil.which(name) or next(
        (str(Path(d) / name) for d in extra_dirs if (Path(d) / name).exists()), None
    )
    if found is None:
        raise Missing(
            f"{name} is not installed (Debian package {package}): this fault test needs its own server"
        )
    return found


def _wait(ready: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not become ready within {READY_TIMEOUT_SECONDS} s")


@dataclass
class RedisServer:
    """``redis-server`` on 127.0.0.1:``port``, without persistence; stop/start keep the port."""

    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [_binary("redis-server", "redis-server"), "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait(self.answers, f"redis-server on port {self.port}")

    def stop(self) -> None:
        """Stop it (SIGTERM): connections are then refused."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a paused server cannot act on SIGTERM
            self.process.terminate()
            self.process.wait(timeout=20)

    def pause(self) -> None:
        """Freeze it (SIGSTOP): connections are accepted by the kernel and never answered, as
        with a host that hangs."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def answers(self) -> bool:
        import redis  # only where a Redis is started: the SQLite-only suite runs without it

        try:
            with redis.Redis(port=self.port, socket_timeout=1, socket_connect_timeout=1) as client:
                return bool(client.ping())
        except redis.RedisError:
            return False


@contextmanager
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer(free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class PostgresCluster:
    """A cluster of its own (``initdb`` into a temporary directory) on 127.0.0.1:``port``."""

    directory: Path
    port: int

    @property
    def data(self) -> Path:
        return self.directory / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def initdb(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")

    def start(self) -> None:
        self._pg_ctl("start", "-l", str(self.directory / "server.log"), "-o", self._options())

    def stop(self, mode: str = "fast") -> None:
        self._pg_ctl("stop", "-m", mode)

    def restart(self, mode: str = "fast") -> None:
        """``pg_ctl restart``: every connection is cut (``fast``: open transactions roll back)."""
        self._pg_ctl("restart", "-m", mode, "-l", str(self.directory / "server.log"), "-o", self._options())

    def log(self) -> str:
        path = self.directory / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _options(self) -> str:
        return f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory}"

    def _pg_ctl(self, action: str, *args: str) -> None:
        self._run("pg_ctl", action, "-D", str(self.data), "-w", "-t", str(int(READY_TIMEOUT_SECONDS)), *args)

    def _run(self, name: str, *args: str) -> None:
        command = [_binary(name, "postgresql", PG_BIN_DIRS), *args]
        if os.geteuid() == 0:  # initdb and postgres refuse root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd=self.directory)


@contextmanager
def postgres_cluster() -> Iterator[PostgresCluster]:
    directory = Path(tempfile.mkdtemp(prefix="portal-fault-pg-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    cluster = PostgresCluster(directory, free_port())
    try:
        cluster.initdb()
        cluster.start()
        yield cluster
    finally:
        try:
            cluster.stop("immediate")
        except (subprocess.CalledProcessError, Missing):
            pass  # already stopped, or never made
        finally:
            shutil.rmtree(directory, ignore_errors=True)
