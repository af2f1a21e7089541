"""check-config's rules: each unsafe production setting is found; a safe configuration passes.

The server side of these rules (create_app and gunicorn refusing, the command's output) is
tested in tests/security/test_production_refusal.py and tests/http/test_operator_commands.py.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path

import pytest

from portal import create_app, dispose
from portal.config import Config
from portal.production_checks import UnsafeConfiguration, configuration_findings, workers

ONION = "http://" + "a" * 56 + ".onion"
SAFE_ENVIRON = {"GUNICORN_WORKERS": "4"}


@pytest.fixture
def safe(tmp_path: Path) -> Config:
    return Config(
        env="production",
        secret_key=secrets.token_hex(32),
        instance_path=tmp_path / "instance",
        database_url="postgresql+psycopg://portal@/portal?host=/var/run/postgresql",
        redis_url="redis://127.0.0.1:6379/0",
        base_url="https://visslan.example.se",
        proxy_count=1,
        retention_schedule="systemd",
    )


def settings(config: Config, environ: Mapping[str, str] = SAFE_ENVIRON) -> list[str]:
    return [finding.setting for finding in configuration_findings(config, environ)]


def test_a_safe_production_configuration_has_no_findings(safe: Config) -> None:
    assert settings(safe) == []
    assert settings(safe, {}) == []  # several workers (the default) are fine on PostgreSQL + Redis
    assert settings(safe.replace(base_url=ONION)) == []  # an onion-only portal needs no TLS
    assert settings(safe.replace(base_url="http://intranet.example.se", onion_url=ONION)) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"env": "development"}, ["PORTAL_ENV"]),
        ({"secret_key": ""}, ["PORTAL_SECRET_KEY"]),
        ({"secret_key": "changeme"}, ["PORTAL_SECRET_KEY"]),
        ({"secret_key": "Change-Me-Before-Going-Live-Please!"}, ["PORTAL_SECRET_KEY"]),
        ({"secret_key": "0123456789abcdef"}, ["PORTAL_SECRET_KEY"]),  # too short
        ({"testing": True}, ["PORTAL_TESTING"]),
        ({"database_url": ""}, ["PORTAL_DATABASE_URL"]),  # SQLite, several workers
        ({"redis_url": ""}, ["PORTAL_REDIS_URL"]),  # memory:// limits, several workers
        ({"base_url": "http://visslan.example.se"}, ["PORTAL_BASE_URL"]),
        ({"onion_url": "http://visslan.example.onion"}, ["PORTAL_ONION_URL"]),
        ({"proxy_count": 0}, ["PORTAL_PROXY_COUNT"]),
        ({"retention_schedule": ""}, ["PORTAL_RETENTION_SCHEDULE"]),
        ({"retention_schedule": "  "}, ["PORTAL_RETENTION_SCHEDULE"]),
        ({"argon2_memory_kib": 8, "argon2_time_cost": 1}, ["PORTAL_ARGON2_MEMORY_KIB"]),
        ({"database_url": "postgresql+psycopg://portal:changeme@db/portal"}, ["PORTAL_DATABASE_URL"]),
        ({"redis_url": "redis://:password@cache:6379/0"}, ["PORTAL_REDIS_URL"]),
        ({"smtp_password": "changeme"}, ["PORTAL_SMTP_PASSWORD"]),
    ],
)
def test_each_unsafe_setting_is_found(safe: Config, changes: dict[str, object], expected: list[str]) -> None:
    assert settings(safe.replace(**changes)) == expected


def test_every_fault_is_listed_at_once(tmp_path: Path) -> None:
    bare = Config(env="production", instance_path=tmp_path)
    assert settings(bare, {"FLASK_DEBUG": "1"}) == [
        "PORTAL_SECRET_KEY",
        "FLASK_DEBUG",
        "PORTAL_DATABASE_URL",
        "PORTAL_REDIS_URL",
        "PORTAL_BASE_URL",
        "PORTAL_PROXY_COUNT",
        "PORTAL_RETENTION_SCHEDULE",
    ]


def test_the_development_secret_is_not_a_production_secret(safe: Config) -> None:
    development = Config.from_env({"PORTAL_INSTANCE_PATH": str(safe.instance_path)}).secret_key
    assert settings(safe.replace(secret_key=development)) == ["PORTAL_SECRET_KEY"]


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"GUNICORN_WORKERS": "1"}, []),
        ({"WEB_CONCURRENCY": "1"}, []),
        ({"GUNICORN_WORKERS": "2"}, ["PORTAL_DATABASE_URL", "PORTAL_REDIS_URL"]),
        ({"WEB_CONCURRENCY": "3"}, ["PORTAL_DATABASE_URL", "PORTAL_REDIS_URL"]),
        ({}, ["PORTAL_DATABASE_URL", "PORTAL_REDIS_URL"]),  # unset: gunicorn.conf.py starts several
        ({"GUNICORN_WORKERS": "many"}, ["GUNICORN_WORKERS / WEB_CONCURRENCY"]),
    ],
)
def test_sqlite_and_memory_limits_only_with_one_worker(
    safe: Config, environ: dict[str, str], expected: list[str]
) -> None:
    single = safe.replace(database_url="", redis_url="")
    assert settings(single, environ) == expected


def test_workers_follow_gunicorn_conf() -> None:
    assert workers({"GUNICORN_WORKERS": "3", "WEB_CONCURRENCY": "5"}) == 3
    assert workers({"WEB_CONCURRENCY": "5"}) == 5
    assert workers({}) is None


def test_debug_mode_is_found_as_flask_reads_it(safe: Config) -> None:
    assert settings(safe, {"FLASK_DEBUG": "1"}) == ["FLASK_DEBUG"]
    assert settings(safe, {"FLASK_DEBUG": "true"}) == ["FLASK_DEBUG"]
    assert settings(safe, {"FLASK_DEBUG": "0"}) == []
    assert settings(safe, {"FLASK_DEBUG": "false"}) == []


def test_a_public_bind_needs_no_proxy_count(safe: Config) -> None:
    direct = safe.replace(proxy_count=0)
    assert settings(direct, {"GUNICORN_BIND": "0.0.0.0:8000"}) == []
    assert settings(direct, {"GUNICORN_BIND": "unix:/run/portal/gunicorn.sock"}) == ["PORTAL_PROXY_COUNT"]


def test_create_app_refuses_with_the_same_list(safe: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FLASK_DEBUG", "GUNICORN_BIND", "GUNICORN_WORKERS", "WEB_CONCURRENCY"):
        monkeypatch.delenv(name, raising=False)
    unsafe = safe.replace(secret_key="changeme", retention_schedule="")
    with pytest.raises(UnsafeConfiguration) as refused:
        create_app(unsafe)
    assert [f.setting for f in refused.value.findings] == ["PORTAL_SECRET_KEY", "PORTAL_RETENTION_SCHEDULE"]
    assert "PORTAL_RETENTION_SCHEDULE" in str(refused.value)
    dispose(create_app(safe))  # the same configuration, made safe, starts
