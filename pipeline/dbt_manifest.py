"""The dbt project as Dagster sees it: DbtProject, the dbt executable, and a manifest that is never stale."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
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


@dataclass(frozen=True)
class MartDocs:
    """What the dbt project says of a published mart beyond its rows: the description of the table and of each
    column, the columns its contract declares not null, and its keys (`primary_key`, then other unique keys)."""

    name: str
    description: str
    columns: dict[str, str]  # column -> description, in contract order
    not_null: frozenset[str]
    primary_key: tuple[str, ...]
    unique_keys: tuple[tuple[str, ...], ...] = ()


def _keys_of(node: dict, tests: list[dict], not_null: set[str]) -> list[tuple[str, ...]]:
    """The model's keys, strongest first: primary_key constraints (model or column level), the model's
    `unique_combination` tests, then columns with a `unique` test (dbt's own order of inference, with this
    project's combination test in place of dbt_utils')."""
    keys: list[tuple[str, ...]] = [tuple(c["columns"]) for c in node.get("constraints", [])
                                   if c["type"] == "primary_key"]
    keys += [(name,) for name, col in node["columns"].items()
             if any(c["type"] == "primary_key" for c in col.get("constraints", []))]
    keys += [tuple(t["test_metadata"]["kwargs"]["columns"]) for t in tests
             if t["test_metadata"]["name"] == "unique_combination"]
    order = list(node["columns"])
    keys += sorted({(t["column_name"],) for t in tests if t["test_metadata"]["name"] == "unique"},
                   key=lambda k: order.index(k[0]) if k[0] in order else len(order))
    # a primary key needs its columns not null: keys with a nullable column stay unique keys only
    return sorted(dict.fromkeys(keys), key=lambda k: not set(k) <= not_null)


def mart_docs(manifest_path: Path) -> dict[str, MartDocs]:
    """Docs, not-null columns and keys of every published mart, from the dbt manifest (the `_marts.yml` docs,
    contracts and tests): what the PostgreSQL copy of the marts carries as comments and constraints."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    nodes = manifest["nodes"]
    tests: dict[str, list[dict]] = {}
    for node in nodes.values():
        if node["resource_type"] == "test" and node.get("test_metadata") and node["config"].get("enabled", True):
            tests.setdefault(node.get("attached_node") or "", []).append(node)
    out: dict[str, MartDocs] = {}
    for uid, node in nodes.items():
        if node["resource_type"] != "model" or layer(node) != MARTS_LAYER:
            continue
        own = tests.get(uid, [])
        not_null = {name for name, col in node["columns"].items()
                    if any(c["type"] in ("not_null", "primary_key") for c in col.get("constraints", []))}
        not_null |= {t["column_name"] for t in own if t["test_metadata"]["name"] == "not_null" and t.get("column_name")}
        keys = _keys_of(node, own, not_null)
        primary = keys[0] if keys and set(keys[0]) <= not_null else ()
        out[node["name"]] = MartDocs(
            name=node["name"], description=node.get("description", ""),
            columns={name: col.get("description", "") for name, col in node["columns"].items()},
            not_null=frozenset(not_null), primary_key=primary,
            unique_keys=tuple(k for k in keys if k != primary))
    return out
