"""The mail server refuses, never answers, drops the line in the middle of a mail, or stalls:
``flask notify send`` (a process of its own, as the timer runs it) fails within its time, the
notice stays pending, and the next run with the server back delivers it. No reporter's request
ever talks to the mail server.

Each mail server is a process of its own (tests/faults/smtp_server.py) that the test starts and
stops. Every run waits for the command with a hard time-out, so a run that hung would fail the
test instead of hanging the suite.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from flask import Flask

from portal.config import Config
from tests.accounts import Account
from tests.faults.commands import flask
from tests.faults.notices import with_addresses, with_smtp
from tests.faults.smtp_server import SmtpServer, running
from tests.moderation_helpers import events
from tests.reporting_helpers import open_with_code, reply, report_and_get_code

pytestmark = pytest.mark.slow  # each test starts mail servers and `flask` processes

SENT, FAILED = "notify:digest:sent", "notify:digest:failed"


def notify_send(config: Config, server: SmtpServer) -> subprocess.CompletedProcess[str]:
    """``flask notify send`` against ``server``, as its own process (hung: the test fails)."""
    return flask(with_smtp(config, server), "notify", "send")


@pytest.fixture
def backend() -> str:
    """SQLite only: a mail server's faults are the same whatever the database, and the notices'
    rows on PostgreSQL are covered by tests/http/test_notifications.py (both backends)."""
    return "sqlite"


@pytest.fixture
def reported(app: Flask, admin: Account) -> None:
    """admin and bo have notice addresses, and a report has come in: there is news."""
    with_addresses(app, "admin", "bo")
    report_and_get_code(app.test_client())


def delivered_to(server: SmtpServer) -> list[str]:
    return sorted(address for rcpt_tos, _mail in server.mails() for address in rcpt_tos)


def next_run_delivers(config: Config, app: Flask, tmp_path: Path, expected: list[str]) -> None:
    with running("deliver", tmp_path / "good") as good:
        result = notify_send(config, good)
        assert result.returncode == 0, result.stderr
        assert f"org1: notice sent to {len(expected)} moderator(s)." in result.stdout
        assert delivered_to(good) == [f"{name}@example.org" for name in expected]
        again = notify_send(config, good)  # sent once: the marks moved
        assert "Nothing new since the last notice." in again.stdout
        assert len(good.mails()) == len(expected)
    assert events(app)[-1] == SENT


@pytest.mark.usefixtures("reported")
def test_a_stopped_mail_server_is_retried_once_it_is_back(config: Config, app: Flask, tmp_path: Path) -> None:
    with running("deliver", tmp_path / "mx") as server:
        server.stop()  # the mail server is down: its port refuses
        result = notify_send(config, server)
        assert result.returncode == 1
        assert "the notice did not reach admin: no session with the mail server: ConnectionRefusedError" in (
            result.stderr
        )
        assert "nobody was told; the next run tries again." in result.stderr
        assert events(app).count(SENT) == 0 and events(app)[-1] == FAILED

        server.start()  # back, on the same port
        result = notify_send(config, server)
        assert result.returncode == 0, result.stderr
        assert delivered_to(server) == ["admin@example.org", "bo@example.org"]
        assert events(app)[-1] == SENT


SILENT = "no session with the mail server: SMTPServerDisconnected"  # the greeting never came


@pytest.mark.usefixtures("reported")
@pytest.mark.parametrize(
    ("mode", "reason", "connections"),
    [
        ("silent", SILENT, 1),  # one time-out for the greeting, not one per moderator
        ("drop-in-data", "SMTPServerDisconnected", 2),  # a broken line is opened again for the next
    ],
)
def test_a_server_that_fails_mid_conversation_fails_the_run_and_the_notice_stays_pending(
    config: Config, app: Flask, tmp_path: Path, mode: str, reason: str, connections: int
) -> None:
    with running(mode, tmp_path / mode) as failing:
        result = notify_send(config, failing)
        assert result.returncode == 1
        for name in ("admin", "bo"):
            assert f"the notice did not reach {name}: {reason}" in result.stderr
        assert "nobody was told; the next run tries again." in result.stderr
        assert failing.connections() == connections
    assert events(app).count(SENT) == 0
    next_run_delivers(config, app, tmp_path, ["admin", "bo"])


def test_a_server_that_stalls_after_each_mail_stops_the_run_after_three_time_outs(
    config: Config, app: Flask, admin: Account, tmp_path: Path
) -> None:
    names = ["admin", "bo", "cy", "dee", "eve", "fay"]
    with_addresses(app, *names)
    report_and_get_code(app.test_client())
    with running("stall-after-data", tmp_path / "stall") as stalling:
        result = notify_send(config, stalling)
        assert result.returncode == 1
        tried = stalling.connections()
    # Six moderators, one second's stall each: the run stops after three seconds, whoever is left.
    assert tried <= 3
    not_tried = [
        n
        for n in names
        if f"the notice did not reach {n}: not tried: the run stopped after 3 s" in result.stderr
    ]
    assert not_tried == names[tried:]
    next_run_delivers(config, app, tmp_path, names)


def test_no_reporter_request_talks_to_the_mail_server(app: Flask, admin: Account, tmp_path: Path) -> None:
    """With the mail server black-holed (20 s per step), sending a report and a message answers
    at once and opens no connection to it: the notice is the timer's business."""
    with_addresses(app, "admin")
    with running("silent", tmp_path / "silent") as silent:
        app.config["PORTAL"] = app.config["PORTAL"].replace(
            smtp_host="127.0.0.1", smtp_port=silent.port, smtp_starttls=False, smtp_from="portal@example.org"
        )
        client = app.test_client()
        began = time.monotonic()
        code = report_and_get_code(client)
        assert open_with_code(client, code).status_code == 303
        assert reply(client, "Han kom tillbaka i dag.").status_code == 303
        seconds = time.monotonic() - began
        assert silent.connections() == 0
    assert seconds < app.config["PORTAL"].smtp_timeout_seconds  # no step of SMTP was waited for
