"""Rate-limit windows end on the clock (portal/security/clock_windows.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.security.clock_windows import storage_uri, window_end


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
