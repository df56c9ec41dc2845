"""Fixtures for submission tests: a fixed test indicator catalog and an isolated KOMMUNE_SDG_HOME per test."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.catalog import load_indicators
from pipeline.paths import Home
from pipeline.resources import DataHome, InboxIntake

TEST_CATALOG = Path(__file__).with_name("indicators_test.csv")


@pytest.fixture(autouse=True)
def test_catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pin the catalog: the real seed grows (issue 6); these tests need known codes and units."""
    monkeypatch.setattr("pipeline.submissions.catalog.load_indicators", lambda: load_indicators(TEST_CATALOG))


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Home]:
    yield Home(tmp_path / "home").ensure()


def resources(home: Home) -> dict[str, DataHome | InboxIntake]:
    """The resources the submission asset and sensor take, for this home (the product's default intake)."""
    return {"data_home": DataHome(root=str(home.root)), "intake": InboxIntake()}


SETTLED_AGO_S = 3600


def settle(path: Path, ago_s: float = SETTLED_AGO_S) -> Path:
    """Date the file's mtime back: a file handed in `ago_s` seconds ago and untouched since (settled)."""
    t = time.time() - ago_s
    os.utime(path, (t, t), follow_symlinks=False)
    return path


def drop(home: Home, municipality: str, name: str, data: bytes, settled: bool = True) -> Path:
    """Put a file into inbox/<municipality>/; `settled`: written an hour ago (past the settle period)."""
    d = home.inbox_dir / municipality
    d.mkdir(parents=True, exist_ok=True)
    p = d / name
    p.write_bytes(data)
    return settle(p) if settled else p
