"""Alembic head matches the models, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import inspect, text

from portal.config import Config
from portal.db import Base
from portal.forum.defaults import DEFAULT_BOARDS


def test_upgrade_head_matches_models(config: Config) -> None:
    from portal import create_app

    app: Flask = create_app(config)
    with app.app_context():
        runner = app.test_cli_runner()
        result = runner.invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        engine = app.extensions["portal.engine"]
        with engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
            )
        assert diff == []
        assert "alembic_version" in inspect(engine).get_table_names()
        # A new installation opens its forum with the default boards (admins edit them later).
        with engine.connect() as conn:
            slugs = conn.execute(text("SELECT slug FROM forum_boards ORDER BY position")).scalars().all()
        assert slugs == [board["slug"] for board in DEFAULT_BOARDS]
    from portal import dispose

    dispose(app)
