"""A Redis and a PostgreSQL of the test's own, which it may stop and start again.

Never the shared servers of the suite (other tests use them at the same moment): each is a
process on a free loopback port with its data in a temporary directory. PostgreSQL's ``initdb``
refuses root, so the cluster belongs to the ``postgres`` user; a machine without it, or without
the binaries, skips the test with that reason.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.live_server import free_port

PG_BIN_DIRS = (Path("/usr/local/bin"), *sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True))
WAIT_SECONDS = 30.0


def _pg_tool(name: str) -> str:
    for directory in PG_BIN_DIRS:
        if (directory / name).exists():
            return str(directory / name)
    pytest.skip(f"PostgreSQL's {name} is not installed")


@dataclasses.dataclass
class RedisServer:
    port: int
    directory: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        command += ["--appendonly", "no", "--dir", str(self.directory)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + WAIT_SECONDS
        while (
            subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True).stdout
            != b"PONG\n"
        ):
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@contextmanager
def redis_server(directory: Path) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer(free_port(), directory)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclasses.dataclass
class PostgresCluster:
    port: int
    data: Path

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        command = [_pg_tool("pg_ctl"), "-D", str(self.data), "-w", "-t", str(int(WAIT_SECONDS)), *args]
        subprocess.run(["runuser", "-u", "postgres", "--", *command], check=True, capture_output=True)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._ctl("-o", options, "-l", str(self.data / "log"), "start")

    def stop(self) -> None:
        self._ctl("-m", "immediate", "stop")  # as a crash or a kill: no goodbye to the clients


@contextmanager
def postgres_cluster() -> Iterator[PostgresCluster]:
    initdb = _pg_tool("initdb")
    if shutil.which("runuser") is None or subprocess.run(["id", "postgres"], capture_output=True).returncode:
        pytest.skip("no postgres user to run a PostgreSQL cluster as (initdb refuses root)")
    # Not under pytest's tmp_path: the postgres user cannot enter root's 0700 directories.
    data = Path(tempfile.mkdtemp(prefix="portal-fault-pg-"))
    shutil.chown(data, "postgres", "postgres")
    os.chmod(data, 0o700)
    subprocess.run(
        ["runuser", "-u", "postgres", "--", initdb, "-D", str(data), "-A", "trust", "-U", "postgres"],
        check=True,
        capture_output=True,
    )
    cluster = PostgresCluster(free_port(), data)
    cluster.start()
    try:
        yield cluster
    finally:
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                _pg_tool("pg_ctl"),
                "-D",
                str(data),
                "-m",
                "immediate",
                "stop",
            ],
            capture_output=True,
        )
        shutil.rmtree(data, ignore_errors=True)
