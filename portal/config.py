"""Typed, frozen configuration read from ``PORTAL_*`` environment variables.

Nothing here has side effects except :func:`Config.from_env`, which may create the
development secret file under the instance path (never in production).
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import limits

from . import file_modes

ENV_PREFIX = "PORTAL_"

# OWASP Password Storage Cheat Sheet, argon2id: m=19 MiB, t=2, p=1.
ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_TIME_COST = 2
ARGON2_PARALLELISM = 1

# DESIGN.md §3: idle time-outs per audience, absolute lifetime for every session.
REPORTER_IDLE_SECONDS = 20 * 60
MODERATOR_IDLE_SECONDS = 30 * 60
SESSION_ABSOLUTE_SECONDS = 8 * 60 * 60

# Five attachments of at most 10 MB plus the form itself.
MAX_REQUEST_BYTES = 55 * 1024 * 1024


# The limits on reporters' and forum writers' pages. Their windows may be an hour at most: an entry
# lives as long as its window, and a longer-lived one would outlast the hourly secret behind its key
# (docs/keys.md, "Rate limits").
HOURLY_LIMITS = (
    "limit_code_login",
    "limit_report_submit",
    "limit_report_submit_installation",
    "limit_reporter_reply",
    "limit_forum_post",
    "limit_forum_flag",
    "limit_forum_code",
    "limit_default",
)
LONGEST_WINDOW_SECONDS = 60 * 60


class ConfigError(RuntimeError):
    """The configuration cannot be used (raised at start-up, never at request time)."""


@dataclass(frozen=True)
class Config:
    env: str = "development"
    secret_key: str = ""
    instance_path: Path = Path("instance")
    database_url: str = ""
    redis_url: str = ""
    base_url: str = "http://127.0.0.1:5000"
    # The portal's Tor onion service (http://<56 letters>.onion), if it has one: a production
    # portal must be reached over HTTPS or over Tor, never over plain HTTP alone.
    onion_url: str = ""
    default_locale: str = "sv"
    testing: bool = False
    # Trusted reverse proxies in front of the app (0: the peer is the client).
    proxy_count: int = 0
    # KDF cost: production values by default, cheap ones only in tests.
    argon2_memory_kib: int = ARGON2_MEMORY_KIB
    argon2_time_cost: int = ARGON2_TIME_COST
    argon2_parallelism: int = ARGON2_PARALLELISM
    reporter_idle_seconds: int = REPORTER_IDLE_SECONDS
    moderator_idle_seconds: int = MODERATOR_IDLE_SECONDS
    session_absolute_seconds: int = SESSION_ABSOLUTE_SECONDS
    max_request_bytes: int = MAX_REQUEST_BYTES
    # Where a request's files above 500 KB wait while it is read (portal/upload_spool.py); empty:
    # the system's temporary directory (TMPDIR). A tmpfs in production (docs/deploy.md).
    upload_spool_dir: str = ""
    # Flask-Limiter strings; each is configurable (DESIGN.md §3 lists what is limited).
    limit_moderator_login: str = "10 per minute; 50 per hour"
    limit_setup: str = "20 per hour"
    limit_code_login: str = "10 per minute; 60 per hour"
    # Counted per organisation; the second for one address across every organisation together.
    # Only what was received counts (security/form_limits.py). Sized for colleagues who share one
    # address (a municipality's network, a Tor exit, the onion service): fifty of them reporting
    # the same event within one hour pass (docs/configuration.md, "Limits on reporters' forms").
    limit_report_submit: str = "50 per hour"
    limit_report_submit_installation: str = "100 per hour"
    limit_reporter_reply: str = "100 per hour"
    limit_forum_post: str = "50 per hour"
    limit_forum_flag: str = "30 per hour"
    limit_forum_code: str = "10 per minute; 60 per hour"
    # Approved posts with this many flags are hidden until a moderator has looked at them.
    forum_flag_threshold: int = 3
    limit_default: str = "300 per minute"
    # Failed codes and passphrases (all addresses together) in one clock hour above which
    # `status` and the administrators' dashboard warn. Only a warning: no right code is refused.
    alert_failed_codes_per_hour: int = 300
    # Per-account lock-out: after this many failures, lock for base * 2**(extra failures).
    lockout_threshold: int = 5
    lockout_base_seconds: int = 30
    lockout_max_seconds: int = 60 * 60
    # Closed cases are erased this many days after closing (flask --app wsgi purge-expired).
    retention_days: int = 2 * 365
    # The dashboard and the notices warn of closed cases erased within this many days (0: never).
    retention_warning_days: int = 30
    # How purge-expired is scheduled (systemd, cron, …): the operator's declaration, since the
    # app cannot see the timer; production refuses to run without one (check-config).
    retention_schedule: str = ""
    # Statistics: every published count below this is suppressed.
    stats_threshold: int = 5
    # "Something to look at" e-mails to moderators; off while smtp_host is empty.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = ""
    smtp_starttls: bool = True
    # Seconds each network step may take (connect, greeting, each command, the mail's data); a
    # `notify` run gives up after three of them in all (portal/notify/smtp.py), so a black-holed
    # or stalled mail server delays nothing but the next notice.
    smtp_timeout_seconds: int = 20
    # Prefix for every key the portal puts into Redis (lets tests and tenants share a server).
    redis_prefix: str = "portal"
    # A Redis command gives up after this many milliseconds (refused, unreachable or hung), and
    # after a failure Redis is not asked again for this many seconds: meanwhile sessions go to
    # the database and rate limits count per process (portal/redis_client.py, docs/deploy.md).
    redis_timeout_ms: int = 500
    redis_pause_seconds: int = 5

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def https(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.instance_path / 'portal.sqlite3').resolve()}"

    def __post_init__(self) -> None:
        for name in HOURLY_LIMITS:
            _check_window(name, getattr(self, name))
        if self.retention_warning_days < 0:
            raise ConfigError(f"{ENV_PREFIX}RETENTION_WARNING_DAYS: a number of days, 0 or more")

    def replace(self, **changes: Any) -> Config:
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Config:
        """Read every field from ``PORTAL_<FIELD>``; ``overrides`` win (used by tests)."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        types = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            raw = environ.get(ENV_PREFIX + f.name.upper())
            if raw is not None:
                values[f.name] = _coerce(f.name, types[f.name], raw)
        values.update(overrides)
        config = cls(**values)
        if not config.secret_key:
            config = config.replace(secret_key=_development_secret(config))
        return config


def _check_window(name: str, value: str) -> None:
    try:
        items = limits.parse_many(value)
    except ValueError as exc:
        raise ConfigError(f"{ENV_PREFIX}{name.upper()}: {exc}") from exc
    if any(item.get_expiry() > LONGEST_WINDOW_SECONDS for item in items):
        raise ConfigError(
            f"{ENV_PREFIX}{name.upper()}: windows longer than an hour are not allowed on reporters' "
            "and forum pages (an entry would outlive the hourly secret behind its key)"
        )


def _read_bool(raw: str) -> bool:
    return raw.strip().lower() in {"1", "true", "yes", "on"}


# How a variable's text becomes each type a field may have (the real types, from the annotations).
_READERS: dict[Any, Any] = {str: str, int: int, bool: _read_bool, Path: Path}


def _coerce(name: str, field_type: Any, raw: str) -> Any:
    reader = _READERS.get(field_type)
    if reader is None:  # a new field of another type must get a reader, not stay a string
        raise TypeError(f"Config.{name}: no reader for {field_type!r}")
    try:
        return reader(raw)
    except ValueError as exc:
        raise ConfigError(f"{ENV_PREFIX}{name.upper()}: {exc}") from exc


def _development_secret(config: Config) -> str:
    """No fallback secret in production (DESIGN.md §6); in development keep one per instance.

    In production the key stays empty: create_app refuses to serve, and check-config lists it
    with every other fault (portal/production_checks.py).
    """
    if config.production:
        return ""
    path = config.instance_path / "secret_key"
    if path.exists():
        file_modes.close(path)
        return path.read_text().strip()
    file_modes.private_directory(config.instance_path)
    secret = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret)
    return secret
