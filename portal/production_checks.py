"""Is this configuration safe to serve in production? One list of findings, two users.

``flask --app wsgi check-config`` prints every finding and exits 1; ``create_app`` refuses to
serve a production configuration with any finding of :func:`configuration_findings` (DESIGN.md
§6: no fallback secret, refuse to start). :func:`installation_findings` looks at the running
installation (database, Redis, the purge schedule): check-config reports it too, but
a late timer or a slow database never stops the portal from starting.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import click
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session

from . import retention
from .config import ARGON2_MEMORY_KIB, ARGON2_TIME_COST, ENV_PREFIX, Config, ConfigError

SECRET_MIN_CHARS = 32  # secrets.token_hex(16); the docs generate token_hex(32)
# Placeholders from examples and habits: none of them is a secret. Compared after lower-casing
# and dropping everything but letters and digits ("Change-Me!" is "changeme").
EXAMPLE_SECRETS = frozenset(
    {
        "changeme",
        "changemenow",
        "replaceme",
        "secret",
        "secretkey",
        "password",
        "passw0rd",
        "postgres",
        "portal",
        "redis",
        "admin",
        "example",
        "test",
        "bench",
        "development",
        "dev",
        "default",
        "xxx",
    }
)
# gunicorn.conf.py's default when neither variable is set is 2 × CPUs + 1: always several.
WORKER_VARIABLES = ("GUNICORN_WORKERS", "WEB_CONCURRENCY")
DEFAULT_BIND = "127.0.0.1:8000"  # gunicorn.conf.py's default
ONION_HOST = re.compile(r"^[a-z2-7]{56}\.onion$")  # a v3 onion address
# OWASP's cheapest argon2id pairing (7 MiB × 5 passes); anything below costs an attacker less.
MIN_ARGON2_WORK = 7 * 1024 * 5
FALSE_WORDS = frozenset({"", "0", "false", "no"})  # as Flask reads FLASK_DEBUG


@dataclass(frozen=True)
class Finding:
    setting: str  # what to change: a variable, or the part of the installation
    problem: str  # what is wrong, why it matters, what to do

    def __str__(self) -> str:
        return f"{self.setting}: {self.problem}"


class UnsafeConfiguration(ConfigError):
    """Production was asked to serve a configuration with findings."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        super().__init__(report(findings))


REFUSAL = "Unsafe production configuration: the portal refuses to serve it"


def report(findings: list[Finding], title: str = REFUSAL) -> str:
    lines = [f"{title} ({len(findings)} problem(s)):"]
    lines += [f"  - {finding}" for finding in findings]
    return "\n".join(lines)


Check = Callable[[Config, Mapping[str, str]], Iterator[Finding]]


def configuration_findings(config: Config, environ: Mapping[str, str]) -> list[Finding]:
    """Every fault of ``config`` and the server's environment (GUNICORN_*, FLASK_DEBUG)."""
    checks: tuple[Check, ...] = (
        _environment,
        _secret,
        _debug,
        _shared_storage,
        _transport,
        _proxy,
        _passwords,
        _retention_schedule,
        _kdf_cost,
    )
    return [finding for check in checks for finding in check(config, environ)]


def workers(environ: Mapping[str, str]) -> int | None:
    """The worker count gunicorn.conf.py will use; None when unset (then it starts several)."""
    for name in WORKER_VARIABLES:
        raw = environ.get(name, "").strip()
        if raw:
            return int(raw)
    return None


def _var(name: str) -> str:
    return ENV_PREFIX + name.upper()


def _environment(config: Config, environ: Mapping[str, str]) -> Iterator[Finding]:
    if not config.production:
        yield Finding(_var("env"), f"is {config.env!r}; set it to 'production' on a production server.")


def _secret(config: Config, environ: Mapping[str, str]) -> Iterator[Finding]:
    secret = config.secret_key
    how = "generate one with: python3 -c 'import secrets; print(secrets.token_hex(32))'"
    if not secret:
        yield Finding(_var("secret_key"), f"is not set; {how}.")
    elif _is_example(secret):
        yield Finding(_var("secret_key"), f"is an example value, not a secret; {how}.")
    elif secret == _development_secret(config):
        yield Finding(
            _var("secret_key"), f"is the development secret from {config.instance_path}/secret_key; {how}."
        )
    elif len(secret) < SECRET_MIN_CHARS:
        yield Finding(_var("secret_key"), f"is shorter than {SECRET_MIN_CHARS} characters; {how}.")


def _debug(config: Config, environ: Mapping[str, str]) -> Iterator[Finding]:
    if environ.get("FLASK_DEBUG", "").lower() not in FALSE_WORDS:
        yield Finding(
            "FLASK_DEBUG", "debug mode is on: it shows code and data on errors. Remove the variable."
        )
    if config.testing:
        yield Finding(_var("testing"), "is on: errors propagate instead of being handled. Remove it.")


def _shared_storage(config: Config, environ: Mapping[str, str]) -> Iterator[Finding]:
    try:
        count = workers(environ)
    except ValueError:
        names = " / ".join(WORKER_VARIABLES)
        yield Finding(names, "is not a whole number.")
        return
    if count is not None and count <= 1:
        return
    several = f"{count} workers" if count else "several workers (GUNICORN_WORKERS is unset)"
    if config.sqlalchemy_url.startswith("sqlite"):
        yield Finding(
            _var("database_url"),
            f"SQLite with {several}: writers would wait on each other and time out. Use "
            "PostgreSQL, or set GUNICORN_WORKERS=1.",
        )
    if not config.redis_url:
        yield Finding(
            _var("redis_url"),
            f"rate limits in memory:// with {several}: every worker would count on its own, "
            "multiplying each limit. Set a Redis URL, or set GUNICORN_WORKERS=1.",
        )


def _is_onion(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return bool(ONION_HOST.match(host))


def _transport(config: Config, environ: Mapping[str, str]) -> Iterator[Finding]:
    if config.onion_url and not _is_onion(config.onion_url):
        yield Finding(_var("onion_url"), "is not an onion address (http://<56 letters and digits>.onion).")
    if not (config.https or _is_onion(config.base_url) or _is_onion(config.onion_url)):
        yield Finding(
            _var("base_url"),
            f"{config.base_url!r} is neither HTTPS nor an onion address: codes, passwords and "
            f"reports would cross the network readable. Use https://…, or set {_var('onion_url')}.",
        )


def _proxy(config: Config, environ: Mapping[str, str]) -> Iterator[Finding]:
    bind = environ.get("GUNICORN_BIND", DEFAULT_BIND)
    behind_proxy = bind.startswith(("127.", "localhost", "[::1]", "unix:"))
    if behind_proxy and config.proxy_count == 0:
        yield Finding(
            _var("proxy_count"),
            f"is 0 while gunicorn listens on {bind} only, so a reverse proxy sends every "
            "request: all visitors would share one rate-limit bucket. Set it to the number of "
            "proxies in front (1 for nginx).",
        )


def _passwords(config: Config, environ: Mapping[str, str]) -> Iterator[Finding]:
    candidates = {
        _var("database_url"): _database_password(config.database_url),
        _var("redis_url"): urlsplit(config.redis_url).password if config.redis_url else None,
        _var("smtp_password"): config.smtp_password,
    }
    for setting, password in candidates.items():
        if password and _is_example(password):
            yield Finding(setting, "uses an example password; choose a real one.")


def _retention_schedule(config: Config, environ: Mapping[str, str]) -> Iterator[Finding]:
    if not config.retention_schedule.strip():
        yield Finding(
            _var("retention_schedule"),
            "is not set: closed cases are only erased when purge-expired runs. Install the daily "
            "timer (docs/deploy.md), then set this to how it runs (systemd or cron).",
        )


def _kdf_cost(config: Config, environ: Mapping[str, str]) -> Iterator[Finding]:
    if config.argon2_memory_kib * config.argon2_time_cost < MIN_ARGON2_WORK:
        yield Finding(
            _var("argon2_memory_kib"),
            f"argon2id costs {config.argon2_memory_kib} KiB × {config.argon2_time_cost}, below "
            f"OWASP's minimum; remove the ARGON2 variables (default {ARGON2_MEMORY_KIB} KiB × "
            f"{ARGON2_TIME_COST}).",
        )


def _is_example(value: str) -> bool:
    letters = re.sub(r"[^a-z0-9]", "", value.lower())
    return letters in EXAMPLE_SECRETS or letters.startswith(("changeme", "replaceme"))


def _development_secret(config: Config) -> str | None:
    try:
        return (config.instance_path / "secret_key").read_text().strip()
    except OSError:
        return None


def _database_password(url: str) -> str | None:
    if not url:
        return None
    try:
        return make_url(url).password
    except ArgumentError:
        return None


def migrations_at_head(engine: Engine, scripts: ScriptDirectory) -> bool:
    """Is the database at the newest migration? Raises SQLAlchemyError when it does not answer
    (check-config and ``status`` both ask)."""
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    return current == set(scripts.get_heads())


def installation_findings(
    engine: Engine, redis_client: Any, scripts: ScriptDirectory, now: dt.datetime
) -> list[Finding]:
    """Faults of the running installation: unreachable stores, missed migrations, a stopped purge."""
    findings = []
    if redis_client is not None:
        try:
            redis_client.ping()
        except Exception as error:  # any failure: the portal cannot use Redis
            findings.append(Finding(_var("redis_url"), f"Redis cannot be reached ({type(error).__name__})."))
        else:
            findings += _redis_persistence(redis_client)
    try:
        at_head = migrations_at_head(engine, scripts)
    except SQLAlchemyError as error:
        findings.append(
            Finding(_var("database_url"), f"the database cannot be reached ({type(error).__name__}).")
        )
        return findings
    if not at_head:
        findings.append(
            Finding("database", "is not at the newest migration; run: flask --app wsgi db upgrade")
        )
        return findings
    with Session(engine) as db:
        last_run = retention.last_purge(db)
    if retention.purge_is_late(last_run, now):
        when = "has never run" if last_run is None else f"last ran {last_run:%Y-%m-%d %H:%M} UTC"
        days = retention.PURGE_MAX_AGE.days
        findings.append(
            Finding(
                "purge-expired",
                f"{when}: it must run at least every {days} days. Is the timer active? "
                "(systemctl list-timers portal-purge.timer; run it now: systemctl start portal-purge.service)",
            )
        )
    return findings


def _redis_persistence(redis_client: Any) -> list[Finding]:
    """An append-only file logs every SET, so it keeps each hour's rate-limit secret long after
    Redis has forgotten it: a copy of it lets anyone test addresses against old entries
    (docs/keys.md, "Rate limits")."""
    try:
        appendonly = redis_client.config_get("appendonly").get("appendonly")
    except Exception:  # CONFIG is often disabled on managed Redis: nothing to say then
        return []
    if appendonly in ("yes", b"yes"):
        return [
            Finding(
                _var("redis_url"),
                "Redis writes an append-only file, which keeps every hour's rate-limit secret on disk. "
                "Set 'appendonly no' (and 'save \"\"') for the portal's Redis.",
            )
        ]
    return []


def refuse_unsafe(config: Config, environ: Mapping[str, str]) -> None:
    """Raise :class:`UnsafeConfiguration` rather than serve a faulty production configuration.

    An operator's ``flask`` command (db upgrade, users, purge-expired, check-config itself)
    still runs, so the faults can be found and fixed, unless the secret key is missing: commands
    would then encrypt TOTP secrets under an empty key, so they stop too, with the same list.
    ``flask run`` serves, and is refused like gunicorn.
    """
    if not config.production:
        return
    findings = configuration_findings(config, environ)
    if not findings:
        return
    if not _operator_command():
        raise UnsafeConfiguration(findings)
    if not config.secret_key:
        raise click.ClickException(report(findings))


def _operator_command() -> bool:
    """True while a ``flask`` command other than ``run`` loads the app (gunicorn has no click context)."""
    context = click.get_current_context(silent=True)
    return context is not None and context.command.name != "run"
