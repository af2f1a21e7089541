"""A throw-away PostgreSQL schema and Redis key prefix, for one test or one benchmark run.

Every user of the shared PostgreSQL database and Redis server gets its own schema (reached
through ``search_path`` in the URL) and its own key prefix, and both are removed afterwards, so
that parallel runs never see each other's rows, sessions or rate-limit counters.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@dataclass(frozen=True)
class Scratch:
    database_url: str  # the server's URL with search_path set to the scratch schema
    redis_prefix: str


def schema_url(pg_url: str, schema: str) -> str:
    url = make_url(pg_url)
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


@contextmanager
def scratch_postgres(pg_url: str, redis_url: str, label: str = "t") -> Iterator[Scratch]:
    """Create a fresh schema and prefix; drop the schema and delete the prefix's keys on exit."""
    schema = f"{label}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    prefix = "test-" + schema
    try:
        yield Scratch(database_url=schema_url(pg_url, schema), redis_prefix=prefix)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
        import redis

        with redis.Redis.from_url(redis_url) as client:
            # Sessions live under the prefix; Flask-Limiter puts its own namespace in front, and the
            # limits storage its own in front of the failed-code counters (security/failed_codes.py).
            for pattern in (f"{prefix}:*", f"LIMITS:LIMITER/{prefix}:*", f"LIMITS:{prefix}:*"):
                keys = list(client.scan_iter(match=pattern))
                if keys:
                    client.delete(*keys)
