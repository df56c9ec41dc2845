"""`kommune-sdg status` reads the published run from meta.refresh (pipeline.refresh_meta, the one reader)."""

from __future__ import annotations

import os
import subprocess
import sys

import duckdb

from pipeline.paths import REPO_ROOT
from pipeline.refresh_meta import read_refresh_meta
from pipeline.settings import Settings
from tests.ui.conftest import Published


def test_status_names_the_published_run(published: Published) -> None:
    home = published.home
    with duckdb.connect(str(home.published_db), read_only=True) as con:
        meta = read_refresh_meta(con)
    assert meta is not None and meta["run_id"] == published.summary.run_id and meta["snapshot_kind"] == "demo"
    settings = Settings.for_home(home.root)
    out = subprocess.run([sys.executable, "-m", "pipeline.cli", "status"], cwd=REPO_ROOT, capture_output=True,
                         text=True, env=os.environ | settings.environ(), timeout=300)
    assert out.returncode == 0, out.stderr
    assert f"run {meta['run_id']} at {meta['published_at']} (snapshot demo)" in out.stdout, out.stdout
