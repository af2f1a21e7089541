"""Guessing one-time codes (DESIGN.md §2, threat 4): from one address, from many, and by the clock.

1 000 wrong codes from one address trip its own limit; the attacker's address gets in with the
right code once its window has passed; and a wrong code takes as long as a right one. Many
addresses meet no ceiling for everybody together, which would lock every reporter out
(tests/security/test_code_lockout.py).
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from portal.config import ARGON2_MEMORY_KIB, ARGON2_TIME_COST
from portal.models import Role
from portal.security import codes
from tests.accounts import make_account
from tests.csrf import csrf_from
from tests.reporting_helpers import report_and_get_code
from tests.security.world import module_app

ATTEMPTS = 1_000


def _client(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _address(n: int) -> str:
    return f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"


def _token(client: FlaskClient) -> str:
    return csrf_from(client.get("/followup").get_data(as_text=True))


def _try(client: FlaskClient, code: str, token: str, address: str | None = None) -> int:
    environ = {"REMOTE_ADDR": address} if address else None
    return client.post(
        "/followup", data={"code": code, "csrf_token": token}, environ_overrides=environ
    ).status_code


def _reporter(app: Flask) -> str:
    """An installed portal (its first admin holds the organisation key) with one report; its code."""
    make_account(app, "admin", Role.ADMIN)
    return report_and_get_code(_client(app, "192.0.2.200"))


def test_one_address_is_stopped_by_its_own_limit(app: Flask) -> None:
    code = _reporter(app)
    config = app.config["PORTAL"]
    assert config.limit_code_login.startswith("10 per minute")
    attacker = _client(app, "192.0.2.1")
    token = _token(attacker)
    statuses = Counter(_try(attacker, codes.generate(), token) for _ in range(ATTEMPTS))
    assert statuses == {401: 10, 429: ATTEMPTS - 10}
    assert _try(attacker, code, token) == 429  # the limit holds for the right code too
    reporter = _client(app, "192.0.2.2")
    assert _try(reporter, code, _token(reporter)) == 303  # another address is not affected


def test_the_right_code_works_again_once_the_window_has_passed(backend: str, tmp_path: Path) -> None:
    # Seconds: the same limit with a short window, so that the test can wait it out; four, since
    # ten tries took more than two seconds on CI's two busy cores.
    window = 4
    with module_app(backend, tmp_path / "instance", limit_code_login=f"5 per {window} seconds") as app:
        code = _reporter(app)
        attacker = _client(app, "192.0.2.1")
        token = _token(attacker)
        started = time.monotonic()
        one = Counter(_try(attacker, codes.generate(), token) for _ in range(10))
        assert time.monotonic() - started < window, "too slow to finish inside the window"
        assert one == {401: 5, 429: 5}, one
        assert _try(attacker, code, token) == 429  # its own limit holds for the right code too
        # A window ends on the clock, on the first multiple of itself after it: within two windows.
        time.sleep(max(0.0, 2 * window + 0.5 - (time.monotonic() - started)))
        assert _try(attacker, code, token) == 303  # the attacker's own window has passed


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _spread_ms(samples: list[float]) -> float:
    quartiles = statistics.quantiles(samples, n=4)
    return (quartiles[2] - quartiles[0]) * 1000


def test_a_wrong_code_takes_as_long_as_the_right_one(backend: str, tmp_path: Path) -> None:
    """With the production argon2id cost: unknown, malformed and right codes each cost one argon2id.

    Noise is the larger interquartile range of the samples, but at least 15 % of the wrong-code
    median: below that, differences come from the one write a successful log-in makes (the new
    session), not from the code check. Skipping argon2id for unknown codes would differ by ~100 %.
    """
    rounds = 12
    real_cost = {"argon2_memory_kib": ARGON2_MEMORY_KIB, "argon2_time_cost": ARGON2_TIME_COST}
    with module_app(backend, tmp_path / "instance", **real_cost) as app:
        code = _reporter(app)
        timings: dict[str, list[float]] = {"right": [], "wrong": [], "malformed": []}
        for n in range(rounds):
            for kind, attempt in (("wrong", codes.generate()), ("right", code), ("malformed", "not a code")):
                client = _client(app, _address(1000 + n))
                token = _token(client)
                started = time.perf_counter()
                status = _try(client, attempt, token)
                timings[kind].append(time.perf_counter() - started)
                assert status == (303 if kind == "right" else 401), (kind, status)
    wrong = _median_ms(timings["wrong"])
    noise = max(max(_spread_ms(t) for t in timings.values()), 0.15 * wrong)
    figures = {kind: round(_median_ms(t), 1) for kind, t in timings.items()}
    assert wrong > 5, figures  # argon2id really ran at its production cost
    for kind in ("right", "malformed"):
        assert abs(_median_ms(timings[kind]) - wrong) < noise, (kind, figures, round(noise, 1))
