"""Shared fixtures: an isolated KOMMUNE_SDG_HOME (and DAGSTER_HOME) per test module or test."""

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
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KOMMUNE_SDG_HOME", str(root))
        mp.setenv("DAGSTER_HOME", str(root / "dagster_home"))
        yield Home(root).ensure()


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
