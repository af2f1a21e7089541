"""Sending with smtplib: STARTTLS when configured, log-in when a user is set, time-outs on every step.

One connection for all recipients; a recipient the server refuses does not stop the others,
and a broken connection is opened again for the next one. A whole run is bounded too: each step
waits at most ``smtp_timeout_seconds``, and the run stops after ``RUN_STEPS`` of them in all, so
a mail server that accepts and then stalls (in the greeting, or after each mail's data) cannot
hold a timer's run for one time-out per moderator. Recipients not tried count as failed: the
notice stays pending and the next run sends it.
"""

from __future__ import annotations

import ipaddress
import smtplib
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..config import Config
from .message import Notice, mail_for

# A run's time in all, counted in step time-outs (Config.smtp_timeout_seconds, 20 s by default):
# a healthy server takes well under a second per mail, a stalled one is left after 60 s.
RUN_STEPS = 3
# Answers about one mail: smtplib has reset the transaction, the connection serves the next one.
REFUSALS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


class MailSettingsRefused(Exception):
    """The SMTP settings cannot be used safely or at all; nothing was sent."""


@dataclass(frozen=True)
class Recipient:
    username: str
    address: str


@dataclass(frozen=True)
class Failure:
    username: str
    reason: str


@dataclass
class Delivery:
    delivered: list[str] = field(default_factory=list)  # user names
    failed: list[Failure] = field(default_factory=list)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check(config: Config) -> None:
    if "@" not in config.smtp_from:
        raise MailSettingsRefused("PORTAL_SMTP_FROM must be an address such as portal@example.se")
    if config.smtp_user and not config.smtp_starttls and not _loopback(config.smtp_host):
        # The password would cross the network in clear text.
        raise MailSettingsRefused(
            "refusing to send the SMTP password without STARTTLS (set PORTAL_SMTP_STARTTLS=true)"
        )


@dataclass(frozen=True)
class _Deadline:
    """The end of a run on the monotonic clock, and the time-out of its next step."""

    step: float  # seconds
    ends: float  # time.monotonic()

    @classmethod
    def start(cls, config: Config) -> _Deadline:
        step = float(config.smtp_timeout_seconds)
        return cls(step=step, ends=time.monotonic() + RUN_STEPS * step)

    def passed(self) -> bool:
        return time.monotonic() >= self.ends

    def timeout(self) -> float:
        # Never past the run's end; never zero, which a socket would take as "do not wait at all".
        return max(0.01, min(self.step, self.ends - time.monotonic()))


def _connect(config: Config, deadline: _Deadline) -> smtplib.SMTP:
    connection = smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=deadline.timeout())
    try:
        connection.ehlo()
        if config.smtp_starttls:
            # Raises when the server offers no STARTTLS: never fall back to clear text.
            connection.starttls(context=ssl.create_default_context())
            connection.ehlo()
        if config.smtp_user:
            connection.login(config.smtp_user, config.smtp_password)
    except BaseException:
        connection.close()
        raise
    return connection


def _reason(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        # The dict is keyed by the address; the operator's log needs the server's answer only.
        return "; ".join(_answer(code, text) for code, text in error.recipients.values()) or "refused"
    if isinstance(error, smtplib.SMTPResponseException):
        return _answer(error.smtp_code, error.smtp_error)
    return f"{type(error).__name__}: {error}"


def _answer(code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {words}".strip()


def _quit(connection: smtplib.SMTP, deadline: _Deadline) -> None:
    try:
        if connection.sock is not None:
            connection.sock.settimeout(deadline.timeout())
        connection.quit()
    except (smtplib.SMTPException, OSError):
        connection.close()


def deliver(config: Config, notice: Notice, recipients: Sequence[Recipient]) -> Delivery:
    check(config)
    result = Delivery()
    deadline = _Deadline.start(config)
    connection: smtplib.SMTP | None = None
    try:
        for position, recipient in enumerate(recipients):
            if deadline.passed():
                reason = f"not tried: the run stopped after {RUN_STEPS * deadline.step:g} s"
                result.failed += [Failure(r.username, reason) for r in recipients[position:]]
                break
            if connection is None:
                try:
                    connection = _connect(config, deadline)
                except (smtplib.SMTPException, OSError) as error:
                    # No connection for this one means none for the rest either.
                    reason = "no session with the mail server: " + _reason(error)
                    result.failed += [Failure(r.username, reason) for r in recipients[position:]]
                    break
            try:
                if connection.sock is not None:  # this mail's steps end with the run at the latest
                    connection.sock.settimeout(deadline.timeout())
                connection.send_message(mail_for(notice, config.smtp_from, recipient.address))
            except (*REFUSALS, ValueError) as error:  # ValueError: an address no mail header can hold
                result.failed.append(Failure(recipient.username, _reason(error)))  # connection still usable
            except (smtplib.SMTPException, OSError) as error:
                result.failed.append(Failure(recipient.username, _reason(error)))
                connection.close()
                connection = None
            else:
                result.delivered.append(recipient.username)
    finally:
        if connection is not None:
            _quit(connection, deadline)
    return result
