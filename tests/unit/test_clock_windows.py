"""Rate-limit windows end on the clock (portal/security/clock_windows.py)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from flask import Flask

from portal.security.clock_windows import ClockWindowMemoryStorage, storage_uri, window_end
from portal.security.ratelimit import limiter


def _at(text: str) -> float:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp()


@pytest.mark.parametrize(
    ("now", "expiry", "ends"),
    [
        ("2026-12-02T19:11:40.244", 3600, "2026-12-02T20:00:00"),  # an hour's window: the full hour
        ("2026-12-02T19:00:00", 3600, "2026-12-02T20:00:00"),  # on the hour: the next one
        ("2026-12-02T23:59:59.9", 3600, "2026-12-03T00:00:00"),
        # Shorter: the first full minute after the window (never sooner than asked).
        ("2026-12-02T19:11:40.244", 60, "2026-12-02T19:13:00"),
        ("2026-12-02T19:11:00", 60, "2026-12-02T19:12:00"),
        ("2026-12-02T19:11:40.244", 600, "2026-12-02T19:22:00"),  # slow mode of ten minutes
        ("2026-12-02T19:11:40.244", 30, "2026-12-02T19:12:30"),  # under a minute: multiples of it
        ("2026-12-02T19:11:40.244", 2, "2026-12-02T19:11:44"),
        ("2026-12-02T19:11:40.244", 5400, "2026-12-02T21:00:00"),  # longer: rounded up to the hour
    ],
)
def test_a_window_ends_on_the_clock(now: str, expiry: int, ends: str) -> None:
    assert window_end(_at(now), expiry) == _at(ends)


def test_redis_gets_clock_windows_and_memory_stays_memory() -> None:
    assert storage_uri("redis://127.0.0.1:6379/0") == "portal+redis://127.0.0.1:6379/0"
    assert storage_uri("rediss://cache.example:6380/1") == "portal+rediss://cache.example:6380/1"
    assert storage_uri(None) == "memory://"


def test_the_fallback_in_memory_ends_windows_on_the_clock_too(monkeypatch: pytest.MonkeyPatch) -> None:
    storage = ClockWindowMemoryStorage()
    monkeypatch.setattr(time, "time", lambda: _at("2026-12-02T19:11:40.244"))
    assert storage.incr("k", 3600) == 1
    assert storage.expirations["k"] == _at("2026-12-02T20:00:00")
    assert storage.incr("k", 3600) == 2 and storage.expirations["k"] == _at("2026-12-02T20:00:00")


def test_the_limiter_falls_back_to_clock_windows(app: Flask) -> None:
    # The portal's one limiter, as create_app (the app fixture) configured it.
    assert isinstance(limiter._fallback_storage, ClockWindowMemoryStorage)
    assert (
        limiter._fallback_limiter is not None
        and limiter._fallback_limiter.storage is limiter._fallback_storage
    )
