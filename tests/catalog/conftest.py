"""Fixtures for the catalog check: the real recorded SSB responses, small catalog files of our own, and the
`kommune-sdg catalog check` CLI run as a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from pipeline.settings import Settings
from testkit.pxweb_server import RECORDED_SSB_DIR


@pytest.fixture(scope="session")
def recorded() -> Path:
    assert (RECORDED_SSB_DIR / "14216_v2_metadata.json").is_file(), f"real SSB responses missing at {RECORDED_SSB_DIR}"
    return RECORDED_SSB_DIR


def table(tid: str, region: str, contents: dict[str, str], *, codelist: str | None = None,
          selection: dict[str, list[str]] | None = None) -> dict:
    """One catalog entry as ssb_tables.yaml writes it (contents: code -> the catalog's label)."""
    entry = {"id": tid, "label_nb": f"table {tid}", "region_dimension": region, "selection": selection or {},
             "contents": {code: {"label_nb": label, "unit": "antall"} for code, label in contents.items()}}
    if codelist:
        entry["region_codelist"] = codelist
    return entry


def _with_evidence(table: dict) -> dict:
    """The loader refuses entries without verification and evidence: a test catalog marks its own as unverified."""
    mark = {"verification": "unverified", "evidence": "test catalog (tests/catalog)"}
    contents = {code: {**mark, **c} for code, c in table.get("contents", {}).items()}
    return {**mark, **table, "contents": contents}


@pytest.fixture
def write_catalog(tmp_path: Path) -> Callable[..., Path]:
    """write_catalog(*entries) -> a catalog YAML file (2015-2024) holding only these tables."""
    def write(*tables: dict, name: str = "catalog.yaml") -> Path:
        path = tmp_path / name
        doc = {"base_url": "https://data.ssb.no/api/pxwebapi/v2", "first_year": 2015, "last_year": 2024,
               "tables": [_with_evidence(t) for t in tables]}
        path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return path
    return write


def _command() -> list[str]:
    script = Path(sys.executable).parent / "kommune-sdg"
    return [str(script)] if script.exists() else [sys.executable, "-m", "pipeline.cli"]


@pytest.fixture
def run_cli(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess]:
    """run_cli(*args, ssb_url=...) runs `kommune-sdg catalog check ARGS` in a subprocess (its settings passed
    through the environment, as Settings.environ() gives them)."""
    def run(*args: str, ssb_url: str = "") -> subprocess.CompletedProcess:
        settings = Settings.for_home(tmp_path / "home", ssb_base_url=ssb_url)
        env = {k: v for k, v in os.environ.items() if not k.startswith("KOMMUNE_SDG_")}
        proc = subprocess.run([*_command(), "catalog", "check", *args], capture_output=True, text=True,
                              env=env | settings.environ(), timeout=120)
        print(proc.stdout, proc.stderr)  # shown when a test fails
        return proc
    return run
