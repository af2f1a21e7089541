"""Fixtures of the attack tests: a portal with one of everything (see world.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.security.world import World, backend_params, build_world, module_app


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(app)


@pytest.fixture(scope="module", params=backend_params())
def shared_world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One world per backend for a whole module, whose tests are ordered so that none undoes another.

    Never in a module that also uses the per-test ``app``: Flask-Limiter is one object per process
    and counts in the storage of the app it was given last.
    """
    with module_app(request.param, tmp_path_factory.mktemp("world") / "instance") as app:
        yield build_world(app)
