"""A moderator's message or note survives a new log-in (issue 17, item 1).

The session ends after 30 idle minutes; a moderator who wrote a long message meanwhile and sent
it got a bare 403, the text gone. Now the log-in form comes back instead, carrying the text
*sealed in the form* (a hidden field, SecretBox under a key derived from the app's secret, with
the case, the form and the time it was sealed): the server writes it nowhere, neither to the
session store (a database table by default) nor to a file. After the password and one-time code,
one button posts it to the case page, where it stands in its field to be checked and sent.

The seal binds the text to this installation and the case; it lives as long as the longest
session (8 h), and the case page checks, as for every visit, whether the moderator may read it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

from flask import current_app, request
from nacl.exceptions import CryptoError
from nacl.secret import SecretBox

# What is carried from which endpoint: the fields of its form that the moderator typed.
CARRIED: dict[str, tuple[str, ...]] = {
    "moderation.send_message": ("message", "feedback"),
    "moderation.add_note": ("note",),
}
PERSON = b"portal-draft"  # BLAKE2b personalisation: this key serves nothing else


@dataclass(frozen=True)
class Draft:
    endpoint: str
    report_id: int
    fields: dict[str, str]


def _box() -> SecretBox:
    secret = current_app.secret_key
    assert isinstance(secret, str) and secret, "drafts need the app's secret key"
    key = hashlib.blake2b(secret.encode(), digest_size=SecretBox.KEY_SIZE, person=PERSON).digest()
    return SecretBox(key)


def carried() -> bool:
    """Does this POST hold text a moderator wrote that a new log-in must carry?"""
    return request.endpoint in CARRIED and bool((request.view_args or {}).get("report_id"))


def seal_request() -> str:
    """The draft of this POST (``carried()`` said yes), sealed for a hidden field."""
    endpoint = request.endpoint or ""
    fields = {name: request.form.get(name, "") for name in CARRIED[endpoint]}
    report_id = int((request.view_args or {})["report_id"])
    payload = json.dumps({"e": endpoint, "r": report_id, "f": fields, "t": int(time.time())})
    return base64.urlsafe_b64encode(bytes(_box().encrypt(payload.encode()))).decode()


def opened(sealed: str | None) -> Draft | None:
    """The draft in ``sealed``, or None: empty, forged, another installation's, or too old."""
    if not sealed:
        return None
    try:
        payload: Any = json.loads(_box().decrypt(base64.urlsafe_b64decode(sealed.encode())))
        endpoint, report_id, fields, sealed_at = payload["e"], payload["r"], payload["f"], payload["t"]
    except (CryptoError, ValueError, KeyError, TypeError):
        return None
    lifetime = current_app.config["PORTAL"].session_absolute_seconds
    if endpoint not in CARRIED or time.time() - float(sealed_at) > lifetime:
        return None
    kept = {name: str(fields.get(name, "")) for name in CARRIED[endpoint]}
    return Draft(endpoint, int(report_id), kept)
