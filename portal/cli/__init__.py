"""``flask --app wsgi <command>``: the operators' commands, one module per group.

Each module defines its commands and imports services, never another command module;
``register_cli`` is the one place that lists every command.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from .backup import backup_cli
from .db import db_cli
from .dev import dev_cli
from .forum import forum_cli
from .keys import keys_cli
from .leaving import leave_command
from .notify import notify_cli
from .operator import check_config_command, purge_expired_command, setup_link_command, status_command
from .users import users_cli


def register_cli(app: Flask) -> None:
    app.cli.add_command(db_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(keys_cli)
    app.cli.add_command(dev_cli)
    app.cli.add_command(forum_cli)
    app.cli.add_command(backup_cli)
    app.cli.add_command(notify_cli)
    app.cli.add_command(setup_link_command)
    app.cli.add_command(purge_expired_command)
    app.cli.add_command(check_config_command)
    app.cli.add_command(status_command)
    _group(app, "organisations").add_command(leave_command)


def _group(app: Flask, name: str) -> click.Group:
    """The command group ``name``, made here if no module registered it before (``organisations``
    belongs to its own module; ``leave`` joins it)."""
    group = app.cli.commands.get(name)
    if not isinstance(group, click.Group):
        group = AppGroup(name, help="The installation's organisations.")
        app.cli.add_command(group)
    return group
