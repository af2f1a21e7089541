"""``flask --app wsgi <command>``: the operators' commands, one module per group.

Each module defines its commands and imports services, never another command module;
``register_cli`` is the one place that lists every command.
"""

from __future__ import annotations

from flask import Flask

from .backup import backup_cli
from .db import db_cli
from .dev import dev_cli
from .forum import forum_cli
from .keys import keys_cli
from .leaving import leave_command
from .notify import notify_cli
from .operator import check_config_command, purge_expired_command, setup_link_command, status_command
from .organisations import organisations_cli
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
    organisations_cli.add_command(leave_command)
    app.cli.add_command(organisations_cli)
