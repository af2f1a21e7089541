"""Static files: versioned URLs in every page, a year's immutable cache for them, nothing else cached."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from flask.testing import FlaskClient

from portal.static_assets import versions

STYLESHEET = re.compile(r'<link rel="stylesheet" href="([^"]+)"')
CSS = Path(__file__).resolve().parents[2] / "portal" / "static" / "portal.css"


def test_pages_link_the_stylesheet_under_its_content_version(client: FlaskClient) -> None:
    expected = "/static/portal.css?v=" + hashlib.sha256(CSS.read_bytes()).hexdigest()[:12]
    for page in ("/", "/report", "/followup", "/forum/", "/moderation/login"):
        html = client.get(page).get_data(as_text=True)
        assert STYLESHEET.findall(html) == [expected], page


def test_the_versioned_url_is_cached_a_year_and_never_revalidated(client: FlaskClient) -> None:
    url = STYLESHEET.findall(client.get("/").get_data(as_text=True))[0]
    with client.get(url) as response:
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert "Expires" not in response.headers
    with client.get(url, headers={"If-None-Match": response.headers["ETag"]}) as again:
        assert again.status_code == 304
    assert again.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_unversioned_and_stale_urls_work_without_the_long_cache(client: FlaskClient) -> None:
    for url in ("/static/portal.css", "/static/portal.css?v=000000000000", "/static/portal.css?v="):
        with client.get(url) as response:
            assert response.status_code == 200, url
            assert response.get_data() == CSS.read_bytes()
            assert response.headers.get("Cache-Control") == "no-cache", url


def test_pages_themselves_are_still_never_stored(client: FlaskClient) -> None:
    assert client.get("/?v=whatever").headers["Cache-Control"] == "no-store"


def test_a_version_is_the_first_twelve_hex_digits_of_the_files_sha256(tmp_path: Path) -> None:
    (tmp_path / "a.css").write_bytes(b"a")
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "b.png").write_bytes(b"")
    assert versions(tmp_path) == {"a.css": "ca978112ca1b", "img/b.png": "e3b0c44298fc"}
