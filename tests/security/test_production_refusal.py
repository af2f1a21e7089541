"""Production refuses an unsafe configuration where operators meet it: the command line and gunicorn.

These run the real processes (``flask --app wsgi …`` and gunicorn with gunicorn.conf.py), since
what matters is what an operator sees: a list, an exit status, never a traceback to decode.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from portal.config import Config
from tests import live_server

SERVER_VARIABLES = ("FLASK_DEBUG", "GUNICORN_WORKERS", "WEB_CONCURRENCY", "GUNICORN_BIND")


def _flask(tmp_path: Path, *args: str, **variables: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_") and k not in SERVER_VARIABLES}
    env.update(PORTAL_INSTANCE_PATH=str(tmp_path / "instance"), **variables)
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=live_server.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_config_lists_every_fault_of_a_bare_production_setup(tmp_path: Path) -> None:
    result = _flask(tmp_path, "check-config", PORTAL_ENV="production")
    assert result.returncode == 1
    output = result.stdout + result.stderr
    for setting in ("PORTAL_SECRET_KEY", "PORTAL_DATABASE_URL", "PORTAL_REDIS_URL", "PORTAL_BASE_URL"):
        assert f"  - {setting}: " in output
    assert "  - PORTAL_RETENTION_SCHEDULE: " in output
    assert "Traceback" not in output


@pytest.mark.slow
def test_operator_commands_run_while_the_server_would_refuse(tmp_path: Path) -> None:
    unsafe = {"PORTAL_ENV": "production", "PORTAL_SECRET_KEY": "a" * 64}
    assert _flask(tmp_path, "db", "upgrade", **unsafe).returncode == 0
    purge = _flask(tmp_path, "purge-expired", **unsafe)
    assert purge.returncode == 0 and "0 closed case(s) erased" in purge.stdout
    served = _flask(tmp_path, "run", "--port", str(live_server.free_port()), **unsafe)
    assert served.returncode != 0 and "PORTAL_RETENTION_SCHEDULE" in served.stderr


@pytest.mark.slow
def test_gunicorn_refuses_to_serve_an_unsafe_production_configuration(tmp_path: Path) -> None:
    unsafe = Config(env="production", secret_key="a" * 64, instance_path=tmp_path / "instance")
    with pytest.raises(RuntimeError, match="exited") as refused:
        live_server.start(unsafe, tmp_path / "server.log", migrate_first=False)
    log = str(refused.value)
    # preload_app: the master loads the portal and refuses before any worker is forked, with the
    # refusal's text (gunicorn prints the message, not the exception's class).
    assert "the server exited with 3:" in log  # systemd's RestartPreventExitStatus=3
    assert "Unsafe production configuration: the portal refuses to serve it" in log
    assert "PORTAL_BASE_URL" in log and "PORTAL_RETENTION_SCHEDULE" in log
