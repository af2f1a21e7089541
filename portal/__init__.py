"""Tystnadsbrytaren: ``create_app(config)`` builds the portal; nothing happens at import."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from . import (
    db,
    domain,
    errors,
    file_modes,
    forms,
    health,
    i18n,
    ids,
    logs,
    production_checks,
    reporter_address,
    scrub,
    static_assets,
    upload_spool,
)
from .cases import access_jobs, removal_labels
from .cli import register_cli
from .config import Config
from .security import clock_windows, form_posts, headers, once
from .security.client_key import ClientKeyMiddleware, HourlySecret
from .security.csrf import DoubleSubmitProtect
from .security.ratelimit import limiter
from .security.session_fallback import FallbackStore
from .security.sessions import DatabaseStore, EncryptedSessionInterface, RedisStore, refuse_unreadable

ROOT = Path(__file__).resolve().parent.parent
csrf = DoubleSubmitProtect()


def create_app(config: Config | None = None) -> Flask:
    config = config or Config.from_env()
    production_checks.refuse_unsafe(config, os.environ)
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=str(config.instance_path.resolve()),
    )
    file_modes.private_directory(config.instance_path)
    app.request_class = upload_spool.SpoolingRequest  # a full spool refuses the form, not the request
    app.config.update(
        PORTAL=config,
        SECRET_KEY=config.secret_key,
        TESTING=config.testing,
        MAX_CONTENT_LENGTH=config.max_request_bytes,
        # Text fields up to 4 MB reach the form's validators, which explain the limit and
        # keep what was typed; only larger bodies get the bare 413 page.
        MAX_FORM_MEMORY_SIZE=4 * 1024 * 1024,
        SESSION_COOKIE_SECURE=config.https,
        # The CSRF token is security/csrf.py's (signed double submit, no session; its lifetime is
        # the longest session's). Under HTTPS Flask-WTF would also demand a same-site Referer, which
        # browsers never send here (Referrer-Policy: no-referrer): that check stays off.
        WTF_CSRF_SSL_STRICT=False,
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        RATELIMIT_STORAGE_URI=clock_windows.storage_uri(config.redis_url),
        # Short timeouts for the limiter's own Redis client too (portal/redis_client.py).
        RATELIMIT_STORAGE_OPTIONS=_redis_options(config),
        # Key prefix and default limit: per request, in security/ratelimit.py.
        RATELIMIT_HEADERS_ENABLED=False,
    )
    logs.init_logging()
    engine = db.make_engine(config.sqlalchemy_url)
    db.init_app(app, engine)
    scrub.init_app(app)

    redis_client = _redis(config)
    app.extensions["portal.redis"] = redis_client
    # Redis down: new sessions go to the database and are found there (session_fallback.py).
    store: Any = (
        FallbackStore(
            RedisStore(redis_client, config.redis_prefix, config.session_absolute_seconds),
            DatabaseStore(engine),
        )
        if redis_client
        else DatabaseStore(engine)
    )
    app.session_interface = EncryptedSessionInterface(
        store, idle_seconds=config.reporter_idle_seconds, absolute_seconds=config.session_absolute_seconds
    )
    app.before_request(refuse_unreadable)  # first: before any view or check reads the session
    secret = HourlySecret(redis_client, config.redis_prefix)
    app.extensions["portal.hourly_secret"] = secret
    app.wsgi_app = ClientKeyMiddleware(app.wsgi_app, secret, config.proxy_count)  # type: ignore[method-assign]
    # Outermost: a health probe touches neither the client's address nor the rate limiter.
    app.wsgi_app = health.HealthCheck(app.wsgi_app, engine, redis_client)  # type: ignore[method-assign]

    csrf.init_app(app)
    form_posts.init_app(app)
    limiter.init_app(app)
    clock_windows.use_clock_fallback(limiter)
    once.init_app(app)
    app.add_template_global(forms.files_not_kept)
    i18n.init_app(app)
    headers.init_app(app, https=config.https)
    static_assets.init_app(app)
    errors.init_app(app)
    removal_labels.init_app(app)
    reporter_address.init_app(app)

    # Before any route is added: a rule binds its converters when it is added.
    app.url_map.converters["int"] = ids.IdConverter

    # Imported here, not at the top: importing any part of the portal (a command, a test, the
    # upload cleaner's fork server) must not load every audience's blueprint with it.
    from .forum import bp as forum_bp
    from .forum import labels as forum_labels
    from .moderation import bp as moderation_bp
    from .operator.views import bp as operator_bp
    from .public import bp as public_bp
    from .reporting import bp as reporting_bp
    from .setup import bp as setup_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(reporting_bp)
    app.register_blueprint(setup_bp)
    app.register_blueprint(moderation_bp)
    app.register_blueprint(operator_bp)
    app.register_blueprint(forum_bp)
    domain.add_labels(forum_labels.LABELS)
    register_cli(app)
    return app


def dispose(app: Flask) -> None:
    """Close the app's pools and connections (tests, and a clean shutdown), once its access jobs
    have ended (a job's thread holds a connection while it seals a batch)."""
    access_jobs.wait(app=app)
    app.extensions["portal.engine"].dispose()
    for client in (app.extensions["portal.redis"], getattr(limiter.storage, "storage", None)):
        if client is not None and hasattr(client, "close"):
            client.close()


def after_fork(app: Flask) -> None:
    """In a worker forked from a master that loaded the app (gunicorn's ``preload_app``, the
    ``post_fork`` hook in gunicorn.conf.py): use nothing the master may have opened or drawn.

    The inherited pool's connections are dropped without closing them (``close=False``: they are
    the master's, and a close here would end its session on the server); Redis clients start new
    pools; the hourly secret is drawn or fetched again, so a per-process secret stays per process.
    """
    app.extensions["portal.engine"].dispose(close=False)
    for client in (app.extensions["portal.redis"], getattr(limiter.storage, "storage", None)):
        pool = getattr(client, "connection_pool", None)
        if pool is not None:
            pool.reset()  # forgets the master's sockets without shutting them down
    app.extensions["portal.hourly_secret"].forget()


def _redis_options(config: Config) -> dict[str, Any]:
    if not config.redis_url:
        return {}
    from . import redis_client  # only where Redis is configured: the embedded default runs without it

    return redis_client.client_options(config.redis_timeout_ms / 1000)


def _redis(config: Config) -> Any:
    if not config.redis_url:
        return None
    from . import redis_client  # only where Redis is configured: the embedded default runs without it

    return redis_client.connect(config.redis_url, config.redis_timeout_ms / 1000, config.redis_pause_seconds)
