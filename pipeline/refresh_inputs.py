"""What a refresh reads, fingerprinted, so a refresh with nothing new can skip ingest, dbt, checks and publish.

Kept free of Dagster, dbt and pandas imports: `kommune-sdg refresh` asks `unchanged_refresh` before it loads
the Dagster definitions, so a nightly run with nothing new costs about a second, not the start-up of the
whole code location (docs/benchmarks.md).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from pipeline.paths import REPO_ROOT, Home
from pipeline.submissions.inbox import has_entries

if TYPE_CHECKING:
    from pipeline.snapshot import Snapshot

FORCE_ENV = "KOMMUNE_SDG_FORCE_REFRESH"
CODE_PATHS = ("pipeline", "assets", "checks", "dbt_project/models", "dbt_project/seeds", "dbt_project/macros",
              "dbt_project/tests", "dbt_project/dbt_project.yml", "pyproject.toml")
CODE_SUFFIXES = (".py", ".sql", ".yml", ".yaml", ".csv", ".toml", ".json")
INPUT_ENV = ("KOMMUNE_SDG_UNITS", "KOMMUNE_SDG_UNIT_CODE_RE")


def snapshot_fingerprint(snapshot: Snapshot) -> str:
    """sha256 of the manifest, after checking every data file against its manifest hash (a changed or
    half-written file raises SnapshotError, so it is never mistaken for an unchanged snapshot)."""
    for table_id in snapshot.table_ids:
        for rel in snapshot.entry(table_id)["data"]:
            snapshot.read_bytes(rel, table_id)
    manifest = (snapshot.root / "manifest.json").read_bytes()
    h = hashlib.sha256(manifest)
    units = os.environ.get("KOMMUNE_SDG_UNITS")
    if units and Path(units).exists():  # synthetic units replace the seeds (benchmarks)
        h.update(Path(units).read_bytes())
    return h.hexdigest()


def submissions_fingerprint(home: Home) -> str:
    h = hashlib.sha256()
    for f in sorted((home.submissions_dir / "accepted").glob("*.parquet")):
        h.update(f.name.encode() + b"\0" + hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


def code_version(root: Path = REPO_ROOT) -> str:
    """sha256 over the pipeline's code, dbt project and config (file names and bytes) and the env it reads."""
    h = hashlib.sha256()
    for rel in CODE_PATHS:
        base = root / rel
        files = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file()
                                                     and p.suffix in CODE_SUFFIXES and "__pycache__" not in p.parts)
        for f in files:
            h.update(str(f.relative_to(root)).encode() + b"\0" + f.read_bytes() + b"\0")
    for name in INPUT_ENV:
        h.update(f"{name}={os.environ.get(name, '')}".encode())
    return h.hexdigest()


def refresh_inputs(snapshot: Snapshot, home: Home, source: str) -> dict[str, str]:
    return {"source": source, "snapshot_sha256": snapshot_fingerprint(snapshot),
            "submissions_sha256": submissions_fingerprint(home), "code_version": code_version()}


INPUT_KEYS = ("snapshot_sha256", "submissions_sha256", "code_version")


def published_inputs(home: Home) -> dict | None:
    """meta.refresh of the published warehouse (run_id + input fingerprints), None when there is none."""
    if not home.published_db.exists():
        return None
    try:
        con = duckdb.connect(str(home.published_db), read_only=True)
    except duckdb.Error:
        return None
    try:
        cur = con.execute("select * from meta.refresh limit 1")
        row = cur.fetchone()
        return dict(zip([d[0] for d in cur.description], row, strict=True)) if row else None
    except duckdb.Error:
        return None
    finally:
        con.close()


def unchanged_since_publish(inputs: dict[str, str], home: Home) -> dict | None:
    """The published run's meta.refresh when it was built from exactly these inputs, else None."""
    published = published_inputs(home)
    if published and all(published.get(k) == inputs[k] for k in INPUT_KEYS):
        return published
    return None


def _inbox_has_files(home: Home) -> bool:
    """Anything in the inbox (even a temp file) means the inbox step has work: no shortcut then."""
    return has_entries(home.inbox_dir)


def _offline_snapshot(source: str, home: Home) -> Snapshot | None:
    """The snapshot a demo/snapshot:DIR refresh would read, when it is there as is; None means 'run the job'."""
    from pipeline.snapshot import MANIFEST, SnapshotError, open_snapshot  # noqa: PLC0415

    if source == "demo":
        from pipeline.demo.snapshot import demo_fingerprint  # noqa: PLC0415
        from pipeline.demo.submission import demo_in_log  # noqa: PLC0415

        manifest = home.demo_snapshot_dir / MANIFEST
        if not manifest.exists() or not demo_in_log(home):
            return None
        if json.loads(manifest.read_text(encoding="utf-8")).get("fingerprint") != demo_fingerprint():
            return None
        root = home.demo_snapshot_dir
    elif source.startswith("snapshot:"):
        root = Path(source.removeprefix("snapshot:")).expanduser()
    else:  # live: only the fetch can tell whether SSB changed anything
        return None
    try:
        return open_snapshot(root)
    except SnapshotError:
        return None  # the job reports the broken snapshot with its file name


def unchanged_refresh(home: Home, source: str, force: bool = False) -> dict | None:
    """The published run's meta.refresh when a refresh of `source` now would rebuild exactly what is published
    (same snapshot bytes, accepted submissions and code, empty inbox), else None. Never raises for bad input:
    a broken snapshot or a missing warehouse means 'run the job', which reports it properly."""
    if force or os.environ.get(FORCE_ENV) or _inbox_has_files(home) or not home.published_db.exists():
        return None
    snapshot = _offline_snapshot(source, home)
    if snapshot is None:
        return None
    try:
        return unchanged_since_publish(refresh_inputs(snapshot, home, source), home)
    except Exception:  # noqa: BLE001 - e.g. a half-written data file: the full job names it
        return None
