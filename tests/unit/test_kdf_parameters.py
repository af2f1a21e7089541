"""The production cost of argon2id is OWASP's (these tests use the real parameters)."""

from __future__ import annotations

from pathlib import Path

from portal.config import Config
from portal.installation import kdf_cost
from portal.security import crypto, passwords


def test_defaults_are_owasp_argon2id() -> None:
    config = Config(secret_key="x")
    cost = kdf_cost(config)
    assert (cost.memory_kib, cost.time_cost, cost.parallelism) == (19 * 1024, 2, 1)
    encoded = passwords.hasher(cost).hash("a long enough passphrase here")
    assert encoded.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_key_derivation_uses_the_configured_cost_and_salt() -> None:
    cost = kdf_cost(Config(secret_key="x"))
    salt = crypto.new_salt()
    key = crypto.derive_key(b"secret", salt, cost)
    assert len(key) == 32 and key == crypto.derive_key(b"secret", salt, cost)
    assert key != crypto.derive_key(b"secret", crypto.new_salt(), cost)
    cheaper = crypto.KdfCost(8, 1, 1)
    assert key != crypto.derive_key(b"secret", salt, cheaper)


def test_production_refuses_to_start_without_secret(tmp_path: Path) -> None:
    import pytest

    from portal import create_app
    from portal.config import ConfigError

    # Production keeps no fallback secret: the key stays empty and the app refuses to start
    # (check-config lists it with every other fault: tests/unit/test_production_checks.py).
    production = Config.from_env({"PORTAL_ENV": "production", "PORTAL_INSTANCE_PATH": str(tmp_path)})
    assert production.secret_key == ""
    with pytest.raises(ConfigError):
        create_app(production)
    dev = Config.from_env({"PORTAL_INSTANCE_PATH": str(tmp_path)})
    assert (
        dev.secret_key
        and dev.secret_key == Config.from_env({"PORTAL_INSTANCE_PATH": str(tmp_path)}).secret_key
    )
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
