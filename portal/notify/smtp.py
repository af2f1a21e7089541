"""Sending with smtplib: STARTTLS when configured, log-in when a user is set, time-outs on every step.

One connection for all recipients; a recipient the server refuses does not stop the others,
and a broken connection is opened again for the next one.
"""

from __future__ import annotations

import ipaddress
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..config import Config
from .message import Notice, mail_for

# Seconds per network step: a stalled mail server must not hang the timer's run.
SMTP_TIMEOUT = 20
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


def _connect(config: Config) -> smtplib.SMTP:
    connection = smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=SMTP_TIMEOUT)
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


def _quit(connection: smtplib.SMTP) -> None:
    try:
        connection.quit()
    except (smtplib.SMTPException, OSError):
        connection.close()


def deliver(config: Config, notice: Notice, recipients: Sequence[Recipient]) -> Delivery:
    check(config)
    result = Delivery()
    connection: smtplib.SMTP | None = None
    try:
        for position, recipient in enumerate(recipients):
            if connection is None:
                try:
                    connection = _connect(config)
                except (smtplib.SMTPException, OSError) as error:
                    # No connection for this one means none for the rest either.
                    reason = "no session with the mail server: " + _reason(error)
                    result.failed += [Failure(r.username, reason) for r in recipients[position:]]
                    break
            try:
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
            _quit(connection)
    return result
