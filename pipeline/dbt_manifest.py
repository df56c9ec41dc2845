"""The dbt project as Dagster sees it: DbtProject, the dbt executable, and a manifest that is never stale."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from pipeline.paths import DBT_PROJECT_DIR, home

DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")
dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def _newest_source_mtime() -> float:
    paths = [DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR / "profiles.yml"]
    for sub in ("models", "seeds", "macros", "tests"):
        paths += [p for p in (DBT_PROJECT_DIR / sub).rglob("*") if p.is_file()]
    return max(p.stat().st_mtime for p in paths if p.exists())


def ensure_manifest() -> Path:
    """Run `dbt parse` when target/manifest.json is missing or older than any model, seed or macro."""
    manifest = dbt_project.manifest_path
    if manifest.exists() and manifest.stat().st_mtime >= _newest_source_mtime():
        return manifest
    home()  # exports an absolute KOMMUNE_SDG_HOME for the profile
    proc = subprocess.run(
        [DBT_EXECUTABLE, "parse", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
         "--quiet"],
        cwd=DBT_PROJECT_DIR, capture_output=True, text=True, check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"dbt parse failed in {DBT_PROJECT_DIR}:\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}")
    return manifest
