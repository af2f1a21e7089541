"""A real SMTP server for notice tests (aiosmtpd on a loopback port) and the portal pointed at it.

``tests/http/conftest.py`` starts one per test as the ``mailbox`` fixture.
"""

from __future__ import annotations

import email
import socket
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

from aiosmtpd.controller import Controller
from click.testing import Result
from flask import Flask

BASE_URL = "https://portal.example.org"
DASHBOARD = BASE_URL + "/moderation/"


class Mailbox:
    """An aiosmtpd handler that keeps what it receives and refuses the addresses it is told to."""

    def __init__(self) -> None:
        self.port = 0
        self.refuse: set[str] = set()
        self.received: list[tuple[list[str], EmailMessage]] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(message, EmailMessage)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def take(self) -> list[tuple[list[str], EmailMessage]]:
        taken, self.received = self.received, []
        return taken


def free_port() -> int:
    """A loopback port nobody listens on (aiosmtpd needs a number before it starts)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start(box: Mailbox, **options: Any) -> Controller:
    controller = Controller(box, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    box.port = controller.port
    return controller


def smtp_on(app: Flask, port: int, **settings: Any) -> None:
    values: dict[str, Any] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_starttls": False,
        "smtp_from": "Tystnadsbrytaren <portal@example.org>",
        "base_url": BASE_URL,
    }
    values.update(settings)
    app.config["PORTAL"] = app.config["PORTAL"].replace(**values)


def notify(app: Flask, command: str) -> Result:
    return app.test_cli_runner().invoke(args=["notify", command])


def recipients(mails: list[tuple[list[str], EmailMessage]]) -> list[str]:
    return sorted(address for rcpt_tos, _message in mails for address in rcpt_tos)
