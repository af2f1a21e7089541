"""Mail servers in processes of their own, for the SMTP fault tests.

``running(mode, directory)`` starts ``python -m tests.faults.smtp_server MODE PORT DIRECTORY``,
waits until it listens and stops it afterwards; ``stop()`` and ``start()`` take it down and bring
it back on the same port, as a mail server that is restarted. The modes:

- ``deliver``: aiosmtpd, the real thing, keeping each mail it accepts in ``mails.jsonl``;
- ``silent``: accepts connections and never says a word (a black-holed or hung server);
- ``drop-in-data``: greets, accepts the envelope, says 354 and drops the connection in the
  middle of the mail's data;
- ``stall-after-data``: takes the whole mail and never answers its final dot.

Every accepted connection adds a line to ``connections``, so a test can count who came.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import email
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

from tests.live_server import ROOT, free_port

MODES = ("deliver", "silent", "drop-in-data", "stall-after-data")
READY = "listening"
START_TIMEOUT_SECONDS = 15.0


@dataclasses.dataclass
class SmtpServer:
    mode: str
    directory: Path
    port: int
    process: subprocess.Popen[str] | None = None

    def start(self) -> SmtpServer:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.faults.smtp_server",
                self.mode,
                str(self.port),
                str(self.directory),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # the child prints READY once it listens
        if line.strip() != READY:
            self.stop()
            raise RuntimeError(f"the {self.mode} mail server did not start: {line!r}")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()
        self.process = None

    def connections(self) -> int:
        path = self.directory / "connections"
        return len(path.read_text().splitlines()) if path.exists() else 0

    def mails(self) -> list[tuple[list[str], EmailMessage]]:
        """What the deliver server accepted: each mail's envelope recipients and the mail."""
        path = self.directory / "mails.jsonl"
        taken = []
        for line in path.read_text().splitlines() if path.exists() else []:
            record = json.loads(line)
            message = email.message_from_string(record["content"], policy=default_policy)
            assert isinstance(message, EmailMessage)
            taken.append((record["rcpt_tos"], message))
        return taken


@contextmanager
def running(mode: str, directory: Path, port: int | None = None) -> Iterator[SmtpServer]:
    directory.mkdir(parents=True, exist_ok=True)
    server = SmtpServer(mode, directory, port or free_port()).start()
    try:
        yield server
    finally:
        server.stop()


# The child process: python -m tests.faults.smtp_server MODE PORT DIRECTORY


def _note(directory: Path, name: str, line: str) -> None:
    with (directory / name).open("a") as file:
        file.write(line + "\n")


class _Keeper:
    """aiosmtpd handler: every mail as one JSON line (flushed before the 250, so it is there)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.content.decode("utf-8", "replace")
        _note(self.directory, "mails.jsonl", json.dumps({"rcpt_tos": envelope.rcpt_tos, "content": content}))
        return "250 Message accepted for delivery"


def _deliver(port: int, directory: Path) -> None:
    # Imported here: only this child process needs aiosmtpd, not every test that imports the helper.
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP

    started: list[bool] = []  # Controller.start() connects once itself to see that it serves

    class Counting(SMTP):
        def connection_made(self, transport: Any) -> None:
            if started:
                _note(directory, "connections", "accepted")
            super().connection_made(transport)

    class CountingController(Controller):
        def factory(self) -> SMTP:
            return Counting(self.handler, hostname="fault.test")

    controller = CountingController(_Keeper(directory), hostname="127.0.0.1", port=port)
    controller.start()
    started.append(True)
    print(READY, flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


async def _misbehave(mode: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    if mode == "silent":
        await reader.read()  # never a word back, until the client gives up
        writer.close()
        return
    writer.write(b"220 fault.test ESMTP\r\n")
    while line := await reader.readline():
        verb = line[:4].upper()
        if verb == b"DATA":
            writer.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
            await writer.drain()
            if mode == "drop-in-data":
                await reader.read(64)  # the first bytes of the mail, then the line goes dead
                writer.transport.abort()
                return
            while (await reader.readline()) not in (b".\r\n", b""):
                pass
            await reader.read()  # stall-after-data: the mail's end is never answered
            return
        if verb == b"QUIT":
            writer.write(b"221 Bye\r\n")
            break
        writer.write(b"250 fault.test\r\n" if verb in (b"EHLO", b"HELO") else b"250 OK\r\n")
        await writer.drain()
    writer.close()


async def _serve(mode: str, port: int, directory: Path) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        _note(directory, "connections", "accepted")
        with contextlib.suppress(ConnectionError):  # the client gave up: what these servers are for
            await _misbehave(mode, reader, writer)

    server = await asyncio.start_server(handle, "127.0.0.1", port)
    print(READY, flush=True)
    async with server:
        await server.serve_forever()


def main(arguments: list[str]) -> None:
    mode, port, directory = arguments[0], int(arguments[1]), Path(arguments[2])
    if mode not in MODES:
        raise SystemExit(f"unknown mode {mode!r}; one of {', '.join(MODES)}")
    if mode == "deliver":
        _deliver(port, directory)
    else:
        asyncio.run(_serve(mode, port, directory))


if __name__ == "__main__":
    main(sys.argv[1:])
