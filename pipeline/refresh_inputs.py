"""What a refresh reads, fingerprinted, so a refresh with nothing new can skip ingest, dbt, checks and publish.

Kept free of Dagster, dbt and pandas imports: `kommune-sdg refresh` asks `unchanged_refresh` before it loads
the Dagster definitions, so a nightly run with nothing new costs about a second, not the start-up of the
whole code location (docs/benchmarks.md).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from pipeline.paths import REPO_ROOT, Home, Intake
from pipeline.refresh_meta import read_refresh_meta
from pipeline.submissions.inbox import has_entries

if TYPE_CHECKING:
    from pipeline.snapshot import Snapshot

CODE_PATHS = ("pipeline", "assets", "checks", "pyproject.toml")
DBT_PATHS = ("models", "seeds", "macros", "tests", "dbt_project.yml")
CODE_SUFFIXES = (".py", ".sql", ".yml", ".yaml", ".csv", ".toml", ".json")


def snapshot_fingerprint(snapshot: Snapshot) -> str:
    """sha256 of the manifest, after checking every data file against its manifest hash (a changed or
    half-written file raises SnapshotError, so it is never mistaken for an unchanged snapshot)."""
    for table_id in snapshot.table_ids:
        for rel in snapshot.entry(table_id)["data"]:
            snapshot.read_bytes(rel, table_id)
    return hashlib.sha256((snapshot.root / "manifest.json").read_bytes()).hexdigest()


def submissions_fingerprint(intake: Intake) -> str:
    """sha256 over the accepted files of the intake a run loads (the demo's for demo runs, else the real)."""
    h = hashlib.sha256()
    for f in sorted(intake.accepted_dir.glob("*.parquet")):
        h.update(f.name.encode() + b"\0" + hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


def _hash_tree(h: hashlib._Hash, base: Path, label: str) -> None:
    files = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file()
                                                 and p.suffix in CODE_SUFFIXES and "__pycache__" not in p.parts)
    for f in files:
        h.update(f"{label}/{f.relative_to(base).as_posix()}".encode() + b"\0" + f.read_bytes() + b"\0")


def code_version(dbt_project_dir: Path, root: Path = REPO_ROOT) -> str:
    """sha256 over the pipeline's code and the dbt project it builds (file names and bytes)."""
    h = hashlib.sha256()
    for rel in CODE_PATHS:
        _hash_tree(h, root / rel, rel)
    for rel in DBT_PATHS:
        if (dbt_project_dir / rel).exists():
            _hash_tree(h, dbt_project_dir / rel, f"dbt/{rel}")
    return h.hexdigest()


def refresh_inputs(snapshot: Snapshot, home: Home, source: str, dbt_project_dir: Path) -> dict[str, str]:
    return {"source": source, "snapshot_sha256": snapshot_fingerprint(snapshot),
            "submissions_sha256": submissions_fingerprint(home.intake(snapshot.origin)),
            "code_version": code_version(dbt_project_dir)}


INPUT_KEYS = ("snapshot_sha256", "submissions_sha256", "code_version")


def published_inputs(published_db: Path) -> dict | None:
    """meta.refresh of the published warehouse (run_id + input fingerprints), None when there is none."""
    if not published_db.exists():
        return None
    try:
        con = duckdb.connect(str(published_db), read_only=True)
    except duckdb.Error:
        return None
    try:
        return read_refresh_meta(con)
    except duckdb.Error:
        return None
    finally:
        con.close()


@dataclass(frozen=True)
class Decision:
    """Whether a refresh would rebuild exactly what is published. `published` is the published run's
    meta.refresh when it would (skip), else None; `inputs` are the fingerprints of this refresh."""

    inputs: dict[str, str]
    published: dict | None
    reason: str

    @property
    def unchanged(self) -> bool:
        return self.published is not None


def decide(snapshot: Snapshot, home: Home, source: str, published_db: Path, dbt_project_dir: Path,
           force: bool = False) -> Decision:
    """The no-change decision, the same for the CLI (before Dagster loads) and inside a run (the load step):
    skip only when not forced, the inbox (and the run's own intake's inbox) is empty, and the snapshot bytes
    (every file checked against its hash), the run's intake's accepted submissions and the code equal the
    published run's."""
    inputs = refresh_inputs(snapshot, home, source, dbt_project_dir)
    if force:
        return Decision(inputs, None, "forced")
    if has_entries(home.inbox_dir) or has_entries(home.intake(snapshot.origin).inbox_dir):
        return Decision(inputs, None, "files wait in the inbox")
    published = published_inputs(published_db)
    if published is None:
        return Decision(inputs, None, "nothing published yet")
    if any(published.get(k) != inputs[k] for k in INPUT_KEYS):
        changed = [k for k in INPUT_KEYS if published.get(k) != inputs[k]]
        return Decision(inputs, None, "changed since the published run: " + ", ".join(changed))
    return Decision(inputs, published, f"unchanged since published run {published['run_id']}")


def unchanged_refresh(home: Home, source: str, published_db: Path, dbt_project_dir: Path,
                      force: bool = False) -> dict | None:
    """For the CLI: the published run's meta.refresh when a refresh of `source` now would rebuild exactly what
    is published, else None. Never raises for bad input: a broken snapshot, a demo not generated or a demo
    submission not yet processed means 'run the job', which reports or does it properly."""
    from pipeline.sources import Source, stored_snapshot  # noqa: PLC0415

    parsed = Source.parse(source)
    if force or not published_db.exists():
        return None
    if parsed.kind == "demo":
        from pipeline.demo.submission import demo_in_log  # noqa: PLC0415

        if not demo_in_log(home):
            return None
    snapshot = stored_snapshot(parsed, home)
    if snapshot is None:
        return None
    try:
        return decide(snapshot, home, source, published_db, dbt_project_dir, force).published
    except Exception:  # noqa: BLE001 - e.g. a half-written data file: the full job names it
        return None
