"""The portal exactly as gunicorn serves it (``wsgi:app``), with one more route that says which
worker answered and with which connections and secret, for ``tests/security/test_preload.py``.

Imported once, in gunicorn's master (``preload_app``): before any worker is forked it uses the
database pool, both Redis clients and the hourly secret, as a master that warmed the app up
would, so that a worker still using any of them after the fork shows in the answers.
"""

from __future__ import annotations

import hashlib
import os
import time
from typing import Any

from flask import jsonify
from sqlalchemy import event, text
from werkzeug.wrappers import Response

from portal.db import db_session
from portal.security.client_key import Purpose
from portal.security.ratelimit import limiter
from wsgi import app

HOLD_SECONDS = 0.3  # keeps a worker busy, so that probes sent together reach different workers
LOADED_IN = os.getpid()

engine = app.extensions["portal.engine"]
# The app's own client and the limiter's (its in-memory storage, without Redis, is no client).
redis_clients: list[Any] = [
    client
    for client in (app.extensions["portal.redis"], getattr(limiter.storage, "storage", None))
    if hasattr(client, "client_id")
]


@event.listens_for(engine, "connect")
def _opened_by(_dbapi_connection: Any, record: Any) -> None:
    record.info["opened_by"] = os.getpid()


def _backend_id() -> int | None:
    """PostgreSQL's id of the server process behind this worker's connection (None on SQLite)."""
    if engine.dialect.name != "postgresql":
        return None
    return int(db_session().scalar(text("SELECT pg_backend_pid()")))


def _secret_fingerprint() -> str:
    keys = app.extensions["portal.hourly_secret"].keys()
    return hashlib.sha256(keys[Purpose.REPORTING]).hexdigest()[:16]


@app.get("/_probe/fork")
def probe() -> Response:
    time.sleep(HOLD_SECONDS)
    connection = db_session().connection()
    return jsonify(
        pid=os.getpid(),
        loaded_in=LOADED_IN,
        connection_opened_by=connection.connection.info["opened_by"],
        backend_id=_backend_id(),
        redis_client_ids=[int(client.client_id()) for client in redis_clients],
        secret=_secret_fingerprint(),
    )


# The master's own use, before the fork: one pooled connection, both Redis clients, the secret.
with engine.connect() as _conn:
    _conn.execute(text("SELECT 1"))
for _client in redis_clients:
    _client.ping()
MASTER_SECRET = _secret_fingerprint()
