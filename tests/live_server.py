"""A real server process for browser, multi-process and crash tests.

``start(config)`` migrates the configured database with ``flask db upgrade`` (the operator's
path, not ``create_all``), then runs gunicorn with the project's own ``gunicorn.conf.py`` on a
free loopback port and waits until the portal answers. Everything the server prints goes to
``log_path`` so tests can search it for things that must never be logged.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from portal import create_app, dispose
from portal.config import ENV_PREFIX, Config
from portal.models import Role
from tests.accounts import make_account

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_SECONDS = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(config: Config, **extra: str) -> dict[str, str]:
    """The PORTAL_* variables that make a server process read exactly ``config``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if f.name in {"extra", "testing"} or value in ("", None):
            continue
        env[ENV_PREFIX + f.name.upper()] = str(value).lower() if isinstance(value, bool) else str(value)
    env.update(extra)
    return env


def migrate(config: Config) -> None:
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=environment(config),
        check=True,
        capture_output=True,
    )


@dataclasses.dataclass
class LiveServer:
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    def url(self, path: str) -> str:
        return self.base_url + path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> LiveServer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


def start(
    config: Config,
    log_path: Path,
    workers: int = 1,
    port: int | None = None,
    migrate_first: bool = True,
    wsgi_target: str = "wsgi:app",
    environ: dict[str, str] | None = None,
) -> LiveServer:
    """Serve ``config`` with gunicorn; returns once ``/`` answers (or raises with the log).

    ``wsgi_target`` lets a benchmark serve another app (a bare Flask baseline) with the very
    same gunicorn settings; ``environ`` adds variables (``GUNICORN_PRELOAD_APP=0``).
    """
    if migrate_first:
        migrate(config)
    port = port or free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = environment(
        config, GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS=str(workers), **(environ or {})
    )
    log = log_path.open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", wsgi_target],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    server = LiveServer(process, base_url, log_path)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}:\n{server.log()}")
        try:
            with urllib.request.urlopen(base_url + "/", timeout=2):
                return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    server.stop(signal.SIGKILL)
    raise RuntimeError(f"the server did not answer within {START_TIMEOUT_SECONDS} s:\n{server.log()}")


@contextmanager
def installed(config: Config, log_path: Path, workers: int = 1) -> Iterator[LiveServer]:
    """:func:`start`, with the administrator a portal needs before it takes any report (made in
    this process, through the app, as ``make_account`` makes every test's accounts)."""
    with start(config, log_path, workers=workers) as server:
        app = create_app(config)
        try:
            make_account(app, "admin", Role.ADMIN)
        finally:
            dispose(app)
        yield server
