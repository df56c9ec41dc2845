"""Shared fixtures: an isolated KOMMUNE_SDG_HOME (with its Dagster home inside) per test module.

Tests hand the home to the product as resources/settings (`run_refresh(home, ...)`, `Settings.for_home`), never
through the environment; a test that starts the CLI as a subprocess passes `Settings.environ()`."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.paths import Home


@pytest.fixture(scope="module")
def module_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Home]:
    """A fresh KOMMUNE_SDG_HOME for one test module (one full refresh can be shared by its tests)."""
    root = tmp_path_factory.mktemp("ksdg_home")
    yield Home(root).ensure()


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
