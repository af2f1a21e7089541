"""gunicorn settings for Tystnadsbrytaren (gunicorn -c gunicorn.conf.py wsgi:app).

Every value can be overridden from the environment (GUNICORN_*), see docs/deploy.md; set the
worker count there too (GUNICORN_WORKERS, or WEB_CONCURRENCY), never with -w, so that
``flask --app wsgi check-config`` sees the number gunicorn uses.

No log line carries a client address (DESIGN.md §3):
- the access log format has no %(h)s, no X-Forwarded-For, no query string, no user agent;
- requests of the anonymous audiences (/report, /followup, /forum) are not logged at all: a
  timestamped "POST /report" next to the employer's proxy log would say who reported when;
- nor are the start page (/) and the static files (/static/): every visit begins there, so their
  lines would date each visit just as well;
- gunicorn's own warning about a malformed request names the peer; that address is scrubbed;
- gunicorn's error log dates its lines to the hour only (a worker's error while it served a
  report would otherwise date that report to the second).
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any

from gunicorn.glogging import Logger

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: one argon2id costs ~20–40 ms of CPU and keeps only its own request waiting.
# Unset: 2 × CPUs + 1 (gunicorn's advice), at most 12 so that a few pooled connections per
# worker stay under PostgreSQL's default max_connections (100). With SQLite: 1 (check-config).
workers = int(
    os.environ.get("GUNICORN_WORKERS")
    or os.environ.get("WEB_CONCURRENCY")
    or min(2 * (os.cpu_count() or 1) + 1, 12)
)
worker_class = "sync"
# nginx buffers whole requests (uploads up to 55 MB) and responses, so a worker never waits
# on a slow client: 30 s is ample for the slowest page and stops a stuck worker.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# Recycle workers now and then so a slow leak can never grow without bound.
max_requests = 2000
max_requests_jitter = 200
limit_request_line = 4094

accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# Only the X-Forwarded-Proto of the local proxy is trusted (https: Secure cookies for the
# language choice). gunicorn never takes the client address from a header; the app's
# PORTAL_PROXY_COUNT alone decides which X-Forwarded-For entry is hashed for rate limits.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# gunicorn's control socket is shared per user; several instances on one host would clash.
control_socket_disable = True
# Load the portal once in the master and fork the workers from it: the interpreter, the libraries
# and the compiled code are shared copy-on-write instead of loaded per worker (docs/performance.md:
# PSS per worker). Code changes need a restart then (a HUP reloads no code). post_fork below makes
# each worker open its own connections and draw its own secrets. GUNICORN_PRELOAD_APP=0 turns it off.
preload_app = os.environ.get("GUNICORN_PRELOAD_APP", "1").lower() not in {"0", "false", "no"}


def post_fork(server: Any, worker: Any) -> None:
    """In each new worker: nothing of the master's database pool, Redis sockets or secrets."""
    app = getattr(worker.app, "callable", None)  # the loaded app, with preload_app only
    if "portal.engine" in getattr(app, "extensions", {}):  # the portal, not a bench's bare app
        # Imported here, not at the top: this file is read before any app is loaded.
        from portal import after_fork

        after_fork(app)


# No line for the anonymous audiences' pages, at the installation's address or an organisation's
# (/o/<slug>/…: the access line's time is to the second, DESIGN.md §3), nor for the one-time
# enrolment, invitation and reset links (/enrol/<token>: the token opens an account).
UNLOGGED = re.compile(r"^(/o/[^/]+)?(/?$|/report|/followup|/forum)|^/(healthz|static/|enrol/)")


def logged(path: str) -> bool:
    return UNLOGGED.match(path) is None


PEER = re.compile(r"ip=[0-9A-Fa-f.:]+(?=: )")


class AddressFreeLogger(Logger):
    datefmt = "[%Y-%m-%d %H:00 %z]"

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        self.error_log.addFilter(_scrub_peer)

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if logged(str(environ.get("PATH_INFO", ""))):
            super().access(resp, req, environ, request_time)


def _scrub_peer(record: logging.LogRecord) -> bool:
    """'Invalid request from ip=203.0.113.7: …' keeps the reason and loses the address."""
    message = record.getMessage()
    if "ip=" in message:
        record.msg, record.args = PEER.sub("ip=-", message), ()
    return True


logger_class = AddressFreeLogger
