"""A form sent twice is received once: the one-use token of a submission (issue 17, item 4).

"Back" and "Send" again, or a second click while the first is on its way, posted the same report
twice and made a second case with a second code. A random value hidden in the form cannot tell:
every page is ``no-store``, so on "Back" the browser fetches the form anew (a new hidden value)
and only then fills in what had been typed (measured in Chromium with JavaScript off,
tests/browser/test_forms_forgiving.py). So the token is what stays the same when the same person
sends the same form again: a keyed digest of this browser's CSRF cookie (a random value that
lives only in the browser, ``csrf.py``), the form (its endpoint and address) and every field
typed, files left out (a browser never fills them in again).

The digest is claimed in the limiter's storage (Redis; this process's memory with one worker and
SQLite) before the service runs: the first claim wins, a second one is a duplicate. A refused
submission gives its claim back, so that sending again works. The entry's key is the digest only
(no address, no time) and it expires at the end of the next clock hour, so it dates nothing
finer than the hour; without the browser's cookie nobody can tell which form it stands for.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass

from flask import Flask, current_app, g, request
from limits.storage import Storage

from ..db import commit_failed, utcnow
from .csrf import COOKIE_NAME
from .ratelimit import limiter

HOUR_SECONDS = 60 * 60
# Fields that say how a form was sent rather than what it holds ("Check" or "Send anyway"), and
# the reporter's code (a reply whose session had ended): a secret never enters the digest.
NOT_CONTENT = frozenset({"csrf_token", "action", "code"})
_CLAIM = "portal_once_claim"

log = logging.getLogger(__name__)


class AlreadyReceived(Exception):
    """This browser sent this form with this content before, and it was received."""


@dataclass(frozen=True)
class Claim:
    key: str


def _storage() -> Storage:
    return limiter.limiter.storage  # Redis, or this process's memory (also while Redis is down)


def _digest() -> str:
    secret = current_app.secret_key
    assert isinstance(secret, str) and secret, "one-use tokens need the app's secret key"
    key = hmac.new(secret.encode(), b"portal-once-form-token", hashlib.sha256).digest()
    # A multipart part whose name werkzeug cannot read comes with the name None: "" here, so that
    # the pairs still sort (the fuzzing sent a part named "\n").
    fields = request.form.items(multi=True)
    typed = sorted((name or "", value) for name, value in fields if name not in NOT_CONTENT)
    # script_root + path: an organisation's address (/o/<slug>) is its script root, and the same
    # words sent to two organisations are two reports.
    where = request.script_root + request.path
    content = json.dumps([request.endpoint, where, request.cookies.get(COOKIE_NAME, ""), typed])
    return hmac.new(key, content.encode(), hashlib.sha256).hexdigest()[:32]


def _seconds_to_end_of_next_hour() -> int:
    now = utcnow().timestamp()
    return int((now // HOUR_SECONDS + 2) * HOUR_SECONDS - now)


def claim() -> None:
    """Claim this submission, or raise :class:`AlreadyReceived`. Call it once the form is valid,
    right before the service stores anything. The claim is given back by itself when the answer
    is a refusal (4xx) or the commit fails; a storage that cannot be reached claims nothing
    (submissions must arrive: a duplicate is the lesser harm)."""
    key = f"{current_app.config['PORTAL'].redis_prefix}:once:{_digest()}"
    try:
        count = _storage().incr(key, _seconds_to_end_of_next_hour())
    except Exception as error:  # redis raises several types; a report must not fail over this
        log.warning("form token not claimed: %s", type(error).__name__)
        return
    if count > 1:
        raise AlreadyReceived
    setattr(g, _CLAIM, Claim(key))


def give_back() -> None:
    """The submission was refused after its claim (a refused file, a limit): it may come again."""
    held: Claim | None = g.pop(_CLAIM, None)
    if held is None:
        return
    try:
        _storage().clear(held.key)
    except Exception as error:  # as in claim(): never cost an answer
        log.warning("form token not given back: %s", type(error).__name__)


def init_app(app: Flask) -> None:
    @app.after_request
    def refused_gives_back(response: object) -> object:
        status = getattr(response, "status_code", 500)
        if status >= 400:
            give_back()
        return response

    @app.teardown_request
    def failed_gives_back(error: BaseException | None) -> None:
        # The commit runs after the view (portal/db.py): a claim whose rows were rolled back.
        if _CLAIM in g and (error is not None or commit_failed()):
            give_back()
