"""DESIGN.md §6 on the shape of the code: an import inside a function says why it is late, and
a module stays small enough to read in one sitting."""

from __future__ import annotations

import ast
from pathlib import Path

PORTAL = Path(__file__).resolve().parents[2] / "portal"
MAX_LINES = 400  # DESIGN.md §6: "files stay small (< ~400 lines)"


def _late_imports_without_a_reason(source: str) -> list[int]:
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.Import | ast.ImportFrom) and not _explained(lines, inner.lineno - 1):
                found.append(inner.lineno)
    return found


def _explained(lines: list[str], index: int) -> bool:
    """A comment on the import's line, or above the run of imports it belongs to."""
    if "#" in lines[index]:
        return True
    above = index - 1
    while above >= 0 and lines[above].strip().startswith(("import ", "from ")):
        above -= 1
    return above >= 0 and lines[above].strip().startswith("#")


def test_every_late_import_in_the_portal_says_why() -> None:
    unexplained = {
        str(path.relative_to(PORTAL)): lines
        for path in sorted(PORTAL.rglob("*.py"))
        if (lines := _late_imports_without_a_reason(path.read_text()))
    }
    assert unexplained == {}


def test_the_check_sees_an_unexplained_late_import() -> None:
    source = "def f():\n    x = 1\n    import json\n    return json\n"
    assert _late_imports_without_a_reason(source) == [3]
    explained = "def f():\n    # json only here: it is slow to import\n    import json\n    import os\n    return json\n"
    assert _late_imports_without_a_reason(explained) == []


def test_no_module_of_the_portal_is_over_400_lines() -> None:
    long = {
        str(path.relative_to(PORTAL)): count
        for path in sorted(PORTAL.rglob("*.py"))
        if (count := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}
