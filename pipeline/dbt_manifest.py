"""The dbt project as Dagster sees it: DbtProject, the dbt executable, and a manifest that is never stale."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from dagster_dbt import DbtProject

from pipeline.asset_keys import MARTS_LAYER

DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")


def dbt_project(project_dir: Path) -> DbtProject:
    return DbtProject(project_dir=project_dir, profiles_dir=project_dir)


def _newest_source_mtime(project_dir: Path) -> float:
    paths = [project_dir / "dbt_project.yml", project_dir / "profiles.yml"]
    for sub in ("models", "seeds", "macros", "tests"):
        paths += [p for p in (project_dir / sub).rglob("*") if p.is_file()]
    return max(p.stat().st_mtime for p in paths if p.exists())


def _is_fresh(manifest: Path, project_dir: Path) -> bool:
    return manifest.exists() and manifest.stat().st_mtime >= _newest_source_mtime(project_dir)


def ensure_manifest(project: DbtProject) -> Path:
    """Run `dbt parse` when target/manifest.json is missing or older than any model, seed or macro.

    Several processes may ask at once (parallel test workers, the webserver and a run): one parses under an
    exclusive lock into a private folder and moves the manifest into place atomically, so a reader never sees
    a half-written manifest.json; the others wait and find it fresh."""
    manifest = Path(project.manifest_path).resolve()
    project_dir = Path(project.project_dir).resolve()
    if _is_fresh(manifest, project_dir):
        return manifest
    manifest.parent.mkdir(parents=True, exist_ok=True)
    with open(manifest.parent / ".parse.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _is_fresh(manifest, project_dir):
            return manifest
        with tempfile.TemporaryDirectory(dir=manifest.parent, prefix=".parse-") as tmp:
            partial = manifest.parent / "partial_parse.msgpack"  # keep dbt's partial parsing across runs
            if partial.exists():
                shutil.copy2(partial, Path(tmp) / partial.name)
            proc = subprocess.run(
                [DBT_EXECUTABLE, "parse", "--project-dir", str(project_dir), "--profiles-dir", str(project_dir),
                 "--target-path", tmp, "--log-path", tmp, "--quiet"],
                cwd=project_dir, capture_output=True, text=True, check=False,
            )
            if proc.returncode != 0:
                raise RuntimeError(f"dbt parse failed in {project_dir}:\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}")
            if (Path(tmp) / partial.name).exists():
                os.replace(Path(tmp) / partial.name, partial)
                _write_root(partial, project_dir)
            os.replace(Path(tmp) / manifest.name, manifest)
    return manifest


def keep_partial_parse(run_target: Path, project: DbtProject) -> None:
    """Keep a build's partial-parse state for the next build. dagster-dbt copies target/partial_parse.msgpack
    into each run's target folder; `dbt parse` (ensure_manifest) writes it without the warehouse's vars, so
    every build used to parse the whole project again ("config vars ... have changed"). With the build's own
    state, the next build with the same vars (the same home) parses only what changed."""
    state = run_target / "partial_parse.msgpack"
    if not state.exists():
        return
    dst = Path(project.manifest_path).parent / state.name
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(f".{state.name}.{os.getpid()}.tmp")
    shutil.copy2(state, tmp)
    os.replace(tmp, dst)  # parallel builds: each replaces it whole, never a half-written file
    _write_root(dst, Path(project.project_dir).resolve())


def _write_root(state: Path, project_dir: Path) -> None:
    tmp = state.with_name(f".{state.name}.root.{os.getpid()}.tmp")
    tmp.write_text(str(project_dir), encoding="utf-8")
    os.replace(tmp, state.with_name(state.name + ".root"))


def forget_foreign_partial_parse(project: DbtProject) -> None:
    """Remove a partial-parse state written for another folder (a copied or moved project, or a `dbt parse`
    run by hand with a relative --project-dir): dbt keeps the seeds' paths in it and does not check them
    ("No files found that match the pattern"); without a state it parses the whole project."""
    state = Path(project.manifest_path).parent / "partial_parse.msgpack"
    root = state.with_name(state.name + ".root")
    here = str(Path(project.project_dir).resolve())
    if state.exists() and (not root.exists() or root.read_text(encoding="utf-8").strip() != here):
        state.unlink(missing_ok=True)


def layer(node: dict) -> str:
    """The dbt folder a model lives in (staging, intermediate, marts), 'reference' for seeds."""
    if node["resource_type"] == "seed":
        return "reference"
    fqn = node.get("fqn", [])
    return fqn[1] if len(fqn) > 2 else "models"


def mart_models(manifest_path: Path) -> list[str]:
    """The published marts: every dbt model in the marts folder (the dbt selection `marts`)."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    return sorted(n["name"] for n in manifest["nodes"].values()
                  if n["resource_type"] == "model" and layer(n) == MARTS_LAYER)
