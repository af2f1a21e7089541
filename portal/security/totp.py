"""TOTP (RFC 6238): ±1 time step, each step accepted once (replays refused)."""

from __future__ import annotations

import datetime as dt
import hmac
import io

import pyotp
import segno

WINDOW = 1  # steps of 30 s either side: tolerates clock drift on a phone
ISSUER = "Tystnadsbrytaren"


def new_secret() -> str:
    return pyotp.random_base32()


def readable(secret: str) -> str:
    """The key as a person types it into an authenticator app: in groups of four (the apps ignore
    the spaces)."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg(uri: str) -> bytes:
    """A QR code as a standalone SVG made on the server (no JavaScript, no outside service)."""
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=5, light="#fff", title="TOTP")
    return buffer.getvalue()


def matching_step(secret: str, code: str, after_step: int, now: dt.datetime | None = None) -> int | None:
    """The time step ``code`` belongs to, if valid, within the window and newer than ``after_step``."""
    code = "".join(ch for ch in code if not ch.isspace())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    moment = now or dt.datetime.now(dt.UTC)
    current = totp.timecode(moment)
    for step in range(current - WINDOW, current + WINDOW + 1):
        if step > after_step and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None
