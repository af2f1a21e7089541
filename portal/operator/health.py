"""The installation's health as the operator's page shows it: the parts, not the cases.

The same readings as ``flask status`` (``operator_checks``), without its case counts and
deadlines, which are the organisations' business and would be live.
"""

from __future__ import annotations

from dataclasses import dataclass

from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..db import alembic_config
from ..installation import current_config
from ..operator_checks import Disk, database_directory, disk, redis_state, spool_directory
from ..production_checks import migrations_at_head


@dataclass(frozen=True)
class Health:
    migrations_at_head: bool | None  # None: the database did not answer
    redis: str  # "ok", "unreachable" or "off"
    database_disk: Disk | None  # None: not a local file (PostgreSQL)
    spool_disk: Disk

    @property
    def attention(self) -> bool:
        low = self.spool_disk.low or (self.database_disk is not None and self.database_disk.low)
        return self.migrations_at_head is not True or self.redis == "unreachable" or low


def read(db: Session, app: Flask) -> Health:
    config = current_config()
    engine = db.get_bind()
    assert isinstance(engine, Engine)
    try:
        at_head: bool | None = migrations_at_head(engine, ScriptDirectory.from_config(alembic_config()))
    except SQLAlchemyError:
        at_head = None
    directory = database_directory(config)
    return Health(
        migrations_at_head=at_head,
        redis=redis_state(app.extensions["portal.redis"]),
        database_disk=disk(directory) if directory is not None else None,
        spool_disk=disk(spool_directory(config)),
    )
