"""DESIGN.md §6: nothing happens at import. Importing every module of the portal registers no
words, menu entries or handlers anywhere; ``create_app`` does, for the app it builds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from flask import Flask
from flask_babel import force_locale

from portal.domain import label
from portal.forum.models import FlagReason

ROOT = Path(__file__).resolve().parents[2]

_IMPORT_EVERYTHING = """
import importlib, pkgutil, portal
for module in pkgutil.walk_packages(portal.__path__, "portal."):
    importlib.import_module(module.name)
from portal.domain import label
from portal.forum.models import FlagReason
try:
    print(label(FlagReason.SPAM))
except KeyError:
    print("no words for the forum's flag reasons")
"""


def test_importing_every_module_adds_no_words() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _IMPORT_EVERYTHING], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "no words for the forum's flag reasons"


def test_the_factory_adds_the_forums_words(app: Flask) -> None:
    with app.test_request_context(), force_locale("en"):
        assert str(label(FlagReason.SPAM)) == "It is spam or off topic"
    with app.test_request_context(), force_locale("sv"):
        assert str(label(FlagReason.SPAM)) == "Det är skräppost eller hör inte hit"
