"""Who imports whom (DESIGN.md §5): both audiences build on ``portal.cases``, never on each other.

Each check imports in a fresh interpreter, because in the test process everything is imported
already. The modules are named literally, so a rename shows up here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CASE_DOMAIN = {"portal.cases.clocks", "portal.cases.dialogue", "portal.cases.vault"}


def _imported_by(*modules: str) -> set[str]:
    code = "import sys\n" + "".join(f"import {m}\n" for m in modules) + "print('\\n'.join(sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


def _within(package: str, modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m == package or m.startswith(package + "."))


def test_the_moderators_case_work_does_not_import_the_reporters_package() -> None:
    imported = _imported_by("portal.moderation.cases", "portal.moderation.case_views")
    assert CASE_DOMAIN.issubset(imported)
    assert _within("portal.reporting", imported) == []


def test_the_reporters_package_does_not_import_the_moderators() -> None:
    imported = _imported_by(
        "portal.reporting",
        "portal.reporting.forms",
        "portal.reporting.messages",
        "portal.reporting.service",
        "portal.reporting.views",
    )
    assert CASE_DOMAIN.issubset(imported)
    assert _within("portal.moderation", imported) == []


def test_the_case_domain_imports_neither_audience() -> None:
    imported = _imported_by(
        "portal.cases.clocks",
        "portal.cases.dialogue",
        "portal.cases.erasure",
        "portal.cases.removal_labels",
        "portal.cases.uploads",
        "portal.cases.vault",
    )
    assert _within("portal.reporting", imported) == []
    assert _within("portal.moderation", imported) == []
