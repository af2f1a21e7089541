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

# portal/__init__.py is the factory, the one place that wires every side together (blueprints,
# CLI commands), so whatever it imports says nothing about one side. A bare package stands in
# for it; what is then imported is what the named modules need themselves.
_BARE_ROOT = """
import types
from pathlib import Path
root = types.ModuleType("portal")
root.__path__ = [str(Path("portal").resolve())]
sys.modules["portal"] = root
"""


def _imported_by(*modules: str, factory: bool = False) -> set[str]:
    code = "import sys\n" + ("" if factory else _BARE_ROOT) + "".join(f"import {m}\n" for m in modules)
    code += "print('\\n'.join(sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


def _within(package: str, modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m == package or m.startswith(package + "."))


def test_the_moderators_case_work_does_not_import_the_reporters_package() -> None:
    # Oral reports (issue 15 part 1) are taken in through portal.cases.intake, not the reporter's service.
    imported = _imported_by(
        "portal.moderation.cases.service",
        "portal.moderation.cases.views",
        "portal.moderation.cases.oral",
        "portal.moderation.cases.oral_views",
    )
    assert CASE_DOMAIN.issubset(imported)
    assert _within("portal.reporting", imported) == []


def test_not_even_through_the_factory() -> None:
    assert _within("portal.reporting", _imported_by("portal.moderation.cases.service", factory=True)) == []


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


def test_the_reporters_package_does_not_import_the_moderators_even_through_the_factory() -> None:
    # The issue's own check: `python -c "import portal.reporting"` loads nothing of moderation,
    # although the factory module (with the CLI and its operator status) is imported first.
    assert _within("portal.moderation", _imported_by("portal.reporting", factory=True)) == []


def test_the_case_domain_imports_neither_audience() -> None:
    imported = _imported_by(
        "portal.cases.clocks",
        "portal.cases.dialogue",
        "portal.cases.erasure",
        "portal.cases.intake",
        "portal.cases.removal_labels",
        "portal.cases.uploads",
        "portal.cases.vault",
    )
    assert _within("portal.reporting", imported) == []
    assert _within("portal.moderation", imported) == []


def test_accounts_and_user_keys_import_no_audience() -> None:
    imported = _imported_by("portal.accounts.service", "portal.security.user_keys")
    assert _within("portal.moderation", imported) == []
    assert _within("portal.reporting", imported) == []
    assert _within("portal.accounts", _imported_by("portal.security.user_keys")) == []
