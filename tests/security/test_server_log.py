"""gunicorn's own log (gunicorn.conf.py) holds no address and no trace of the anonymous audiences."""

from __future__ import annotations

import re
import socket
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from portal.config import Config
from tests import live_server
from tests.settings import CHEAP_KDF

STYLESHEET = re.compile(r'<link rel="stylesheet" href="([^"]+)"')


@pytest.mark.slow
def test_access_log_skips_reporters_and_forum_and_names_no_peer(tmp_path: Path) -> None:
    config = Config(secret_key="log-test-" + "x" * 40, instance_path=tmp_path / "instance", **CHEAP_KDF)
    with live_server.start(config, tmp_path / "server.log") as server:
        for path in ("/moderation/login", "/report", "/followup", "/forum/", "/healthz"):
            with urllib.request.urlopen(server.url(path)) as response:
                assert response.status == 200
        address = urlsplit(server.base_url)
        with socket.create_connection((address.hostname, address.port)) as raw:
            raw.sendall(b"NOT HTTP AT ALL\r\n\r\n")
            assert raw.recv(100).startswith(b"HTTP/1.1 400")
    log = server.log()
    assert '"GET /moderation/login" 200' in log  # the access log works ...
    for path in ("/report", "/followup", "/forum", "/healthz"):
        assert f'"GET {path}' not in log  # ... and leaves these out
    assert "Invalid request from ip=-:" in log
    assert "127.0.0.1" not in log.replace(server.base_url, "")


@pytest.mark.slow
def test_start_page_and_static_files_leave_no_line_and_versioned_files_are_cached_a_year(
    tmp_path: Path,
) -> None:
    """The attack: a seized log's timestamped 'GET /' and stylesheet revalidations say when someone visited.

    Every visit opens the start page and, without a long cache, asks for the stylesheet again; both
    lines would sit beside the employer's proxy log. A versioned stylesheet URL is cached for a year
    (never asked again), and neither request is logged at all.
    """
    config = Config(secret_key="log-test-" + "x" * 40, instance_path=tmp_path / "instance", **CHEAP_KDF)
    with live_server.start(config, tmp_path / "server.log") as server:
        with urllib.request.urlopen(server.url("/?lang=en")) as response:
            page = response.read().decode()
        match = STYLESHEET.search(page)
        assert match, "the start page links no stylesheet"
        versioned = match.group(1)
        assert re.fullmatch(r"/static/portal\.css\?v=[0-9a-f]{12}", versioned), versioned
        with urllib.request.urlopen(server.url(versioned)) as response:
            assert response.status == 200
            assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        for unversioned in ("/static/portal.css", "/static/portal.css?v=000000000000"):
            with urllib.request.urlopen(server.url(unversioned)) as response:
                assert response.status == 200  # an old or hand-written URL still works ...
                assert "immutable" not in response.headers.get("Cache-Control", "")  # ... uncached
                assert "31536000" not in response.headers.get("Cache-Control", "")
        with urllib.request.urlopen(server.url("/moderation/login")) as response:
            assert response.status == 200
    log = server.log()
    assert '"GET /moderation/login" 200' in log  # the access log works ...
    assert '"GET /"' not in log  # ... but not for the start page (the server's own probes included)
    assert '"GET /static/' not in log
