"""gunicorn's own log (gunicorn.conf.py) holds no address and no trace of the anonymous audiences."""

from __future__ import annotations

import socket
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from portal.config import Config
from tests import live_server
from tests.settings import CHEAP_KDF


@pytest.mark.slow
def test_access_log_skips_reporters_and_forum_and_names_no_peer(tmp_path: Path) -> None:
    config = Config(secret_key="log-test-" + "x" * 40, instance_path=tmp_path / "instance", **CHEAP_KDF)
    with live_server.start(config, tmp_path / "server.log") as server:
        for path in ("/static/portal.css", "/report", "/followup", "/forum/", "/healthz"):
            with urllib.request.urlopen(server.url(path)) as response:
                assert response.status == 200
        address = urlsplit(server.base_url)
        with socket.create_connection((address.hostname, address.port)) as raw:
            raw.sendall(b"NOT HTTP AT ALL\r\n\r\n")
            assert raw.recv(100).startswith(b"HTTP/1.1 400")
    log = server.log()
    assert '"GET /static/portal.css" 200' in log  # the access log works ...
    for path in ("/report", "/followup", "/forum", "/healthz"):
        assert f'"GET {path}' not in log  # ... and leaves these out
    assert "Invalid request from ip=-:" in log
    assert "127.0.0.1" not in log.replace(server.base_url, "")
