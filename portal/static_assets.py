"""Static files under versioned URLs, cached for a year, so that a visit does not ask for them again.

Every ``url_for('static', filename=…)`` gets ``?v=`` and the first 12 hex digits of the SHA-256 of
that file, computed once when the app is created. A response to the current version's URL may
then be kept for a year and never revalidated (``immutable``): a changed file has a new URL. Each
revalidation would otherwise be one more timestamped request that says someone is reading the
portal now (DESIGN.md §3, no precise times). An unversioned or outdated URL still gets the file,
with the ordinary revalidating cache.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from flask import Flask, Response, request

VERSION_DIGITS = 12  # 48 bits of SHA-256: a changed file never keeps its URL by accident
ONE_YEAR = 365 * 24 * 60 * 60  # seconds
IMMUTABLE = f"public, max-age={ONE_YEAR}, immutable"


def versions(folder: Path) -> dict[str, str]:
    """Each file's path under ``folder`` (as ``url_for`` names it) → its version."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()[:VERSION_DIGITS]
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def init_app(app: Flask) -> None:
    known = versions(Path(app.static_folder)) if app.static_folder else {}

    @app.url_defaults
    def add_version(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "v" not in values and values.get("filename") in known:
            values["v"] = known[values["filename"]]

    @app.after_request
    def cache_versioned(response: Response) -> Response:
        if (
            request.endpoint == "static"
            and response.status_code in (200, 304)
            and request.view_args is not None
            and known.get(request.view_args.get("filename", "")) == request.args.get("v")
        ):
            response.headers["Cache-Control"] = IMMUTABLE
            response.headers.pop("Expires", None)
        return response
