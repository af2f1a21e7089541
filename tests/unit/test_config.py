"""``PORTAL_*`` variables become typed fields: each type read the way its annotation says, and a
type nobody taught the reader fails loudly instead of staying a string."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from portal.config import Config, ConfigError


def test_numbers_switches_and_paths_are_read_as_such(tmp_path: Path) -> None:
    config = Config.from_env(
        {
            "PORTAL_INSTANCE_PATH": str(tmp_path),
            "PORTAL_LOCKOUT_THRESHOLD": "7",
            "PORTAL_SMTP_STARTTLS": "yes",
            "PORTAL_REDIS_PREFIX": "portal-a",
        }
    )
    assert config.lockout_threshold == 7
    assert config.smtp_starttls is True
    assert config.instance_path == tmp_path
    assert config.redis_prefix == "portal-a"
    assert (
        Config.from_env({"PORTAL_INSTANCE_PATH": str(tmp_path), "PORTAL_SMTP_STARTTLS": "off"}).smtp_starttls
        is False
    )


def test_a_number_that_is_not_one_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="PORTAL_LOCKOUT_THRESHOLD"):
        Config.from_env({"PORTAL_INSTANCE_PATH": str(tmp_path), "PORTAL_LOCKOUT_THRESHOLD": "five"})


@dataclass(frozen=True)
class _WithARatio(Config):
    ratio: float = 0.5


def test_a_field_of_a_type_without_a_reader_fails_loudly(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="ratio"):
        _WithARatio.from_env({"PORTAL_INSTANCE_PATH": str(tmp_path), "PORTAL_RATIO": "0.7"})
