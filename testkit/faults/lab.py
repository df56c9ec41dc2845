"""A fault lab: an isolated KOMMUNE_SDG_HOME with a published warehouse, plus helpers to break things.

Shared by the fault tests (tests/faults) and the reliability table (`python -m testkit.faults`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipeline.paths import Home
from pipeline.refresh import RefreshSummary, run_refresh
from pipeline.settings import Settings
from pipeline.snapshot import sha256_bytes, write_manifest


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def marts_state(db: Path, con: duckdb.DuckDBPyConnection | None = None) -> tuple[str, str]:
    """(run_id from meta.refresh, checksum over every marts table) read in one transaction."""
    own = con is None
    con = con or duckdb.connect(str(db), read_only=True)
    try:
        con.execute("begin transaction")
        run_id = con.execute("select run_id from meta.refresh").fetchone()[0]
        tables = [r[0] for r in con.execute("select table_name from information_schema.tables "
                                            "where table_schema = 'marts' order by 1").fetchall()]
        parts = []
        for t in tables:
            n, h = con.execute(f'select count(*), bit_xor(hash(t)) from marts."{t}" as t').fetchone()
            parts.append(f"{t}:{n}:{h}")
        con.execute("commit")
        return run_id, hashlib.sha256("|".join(parts).encode()).hexdigest()
    finally:
        if own:
            con.close()


@dataclass
class Outcome:
    """What one fault did: the run's result, its reason, and whether the published warehouse held."""

    scenario: str
    fault: str
    expected: str  # "fails" | "retry succeeds" | "recovers" | "table dropped, rest goes on"
    result: str  # "failed" | "succeeded" | "dropped"
    reason: str
    published_unchanged: bool | None
    notes: str = ""
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        if self.expected == "fails":
            return self.result == "failed" and bool(self.published_unchanged) and bool(self.reason)
        if self.expected.startswith("table dropped"):
            return self.result == "dropped" and bool(self.reason)
        return self.result == "succeeded"


def summary_reason(s: RefreshSummary, home: Home) -> str:
    """The clearest line of a failed refresh: the failed blocking checks, else the step error as the
    quality report words it (the outermost non-Dagster error: it names the file)."""
    blocking = [c for c in s.checks_failed if "(ERROR)" in c]
    failures = s.failures
    report = home.warehouse_dir / "quality" / "runs" / f"{s.run_id}.json"
    if report.exists():
        failures = json.loads(report.read_text(encoding="utf-8")).get("failures") or failures
    text = "; ".join(blocking) if blocking else "; ".join(failures)
    marker = "Errors parsed from dbt logs:"
    if not blocking and marker in text:  # keep what dbt said, not dagster-dbt's boilerplate around it
        text = "dbt build failed: " + text.split(marker, 1)[1]
    return " ".join(text.split())[:400]


class Lab:
    """A home of its own; the product gets it as settings (in process) or as environment (the CLI's)."""

    def __init__(self, root: Path) -> None:
        self.home = Home(root).ensure()
        self.settings = Settings.for_home(root)

    @property
    def published(self) -> Path:
        return self.home.published_db

    def refresh(self, source: str) -> RefreshSummary:
        return run_refresh(self.settings, source)

    def cli_env(self) -> dict[str, str]:
        """The environment of a `kommune-sdg` child process on this lab's home."""
        return os.environ | self.settings.environ()

    def ensure_published(self) -> RefreshSummary | None:
        if self.published.exists():
            return None
        s = self.refresh("demo")
        if not s.success:
            raise RuntimeError(f"the baseline demo refresh failed: {summary_reason(s, self.home)}")
        return s

    def copy_demo(self, dest: Path) -> Path:
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(self.home.demo_snapshot_dir, dest)
        return dest


def data_file(snapshot_dir: Path, table_id: str) -> Path:
    manifest = json.loads((snapshot_dir / "manifest.json").read_text())
    return snapshot_dir / manifest["tables"][table_id]["data"][0]


def rewrite_table(snapshot_dir: Path, table_id: str, mutate: Callable[[dict], None]) -> None:
    """Change one table's JSON-stat and record the new hash, as a valid but different snapshot would."""
    manifest = json.loads((snapshot_dir / "manifest.json").read_text())
    for rel in manifest["tables"][table_id]["data"]:
        doc = json.loads((snapshot_dir / rel).read_text())
        mutate(doc)
        payload = json.dumps(doc).encode()
        (snapshot_dir / rel).write_bytes(payload)
        manifest["tables"][table_id]["sha256"][rel] = sha256_bytes(payload)
    write_manifest(snapshot_dir, manifest)


def rename_dimension(doc: dict, old: str, new: str) -> None:
    doc["id"] = [new if d == old else d for d in doc["id"]]
    doc["dimension"][new] = doc["dimension"].pop(old)
    if "role" in doc:
        doc["role"] = {k: [new if d == old else d for d in v] for k, v in doc["role"].items()}


def add_dimension(doc: dict, dim: str, code: str) -> None:
    """A new dimension with one category, placed after the region (the cube keeps its values)."""
    doc["id"].insert(1, dim)
    doc["size"].insert(1, 1)
    doc["dimension"][dim] = {"label": dim, "category": {"index": {code: 0}, "label": {code: code}}}


def null_values(doc: dict) -> None:
    doc["value"] = [None] * len(doc["value"]) if isinstance(doc["value"], list) else {}
    doc.pop("status", None)


def scale_values(factor: float) -> Callable[[dict], None]:
    def mutate(doc: dict) -> None:
        if isinstance(doc["value"], list):
            doc["value"] = [None if v is None else round(v * factor, 4) for v in doc["value"]]
        else:
            doc["value"] = {k: None if v is None else round(v * factor, 4) for k, v in doc["value"].items()}
    return mutate
