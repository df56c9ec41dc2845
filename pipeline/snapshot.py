"""Snapshot directories: the raw SSB responses a refresh reads, with a manifest that makes them replayable.

Layout (paths in the manifest are relative to the directory holding manifest.json):

    manifest.json  {"format": 1, "kind": "demo"|"live", "label": str, "created_at": iso,
                    "tables": {table_id: {"updated": iso, "table_info": path, "metadata": path,
                                          "data": [path, ...], "sha256": {path: hex}}}}
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.paths import Origin
from pipeline.ssb.jsonstat import JsonStatError, read_jsonstat

MANIFEST = "manifest.json"
FORMAT_VERSION = 1


class SnapshotError(RuntimeError):
    """A snapshot file is missing, corrupt or not what its manifest says; the message names the file."""


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Snapshot:
    root: Path
    manifest: dict

    @property
    def kind(self) -> str:
        return self.manifest.get("kind", "unknown")

    @property
    def is_demo(self) -> bool:
        return self.kind == "demo"

    @property
    def origin(self) -> Origin:
        """The kind of run that reads this snapshot, and so the submissions it loads: demo or real (a live
        fetch, or a replay of one)."""
        return "demo" if self.is_demo else "real"

    @property
    def dropped(self) -> dict[str, dict]:
        """Tables a live fetch left out ({table_id: {reason, checked_at}}): their metadata no longer matched the
        catalog and no earlier copy existed."""
        return dict(self.manifest.get("dropped") or {})

    def table_status(self, table_id: str) -> dict[str, str | None]:
        """{status: current | stale | dropped, reason, data_fetched_at} of one catalog table in this snapshot."""
        if table_id in self.dropped:
            return {"status": "dropped", "reason": self.dropped[table_id].get("reason"), "data_fetched_at": None}
        fetch = self.entry(table_id).get("fetch") or {}
        stale = fetch.get("status") == "stale"
        return {"status": "stale" if stale else "current", "reason": fetch.get("stale_reason") if stale else None,
                "data_fetched_at": fetch.get("data_fetched_at") or fetch.get("fetched_at")}

    def manifest_sha256(self) -> str:
        """The snapshot's identity (its data version): the manifest names every file with its hash."""
        return sha256_bytes((self.root / MANIFEST).read_bytes())

    @property
    def table_ids(self) -> list[str]:
        return list(self.manifest.get("tables", {}))

    def entry(self, table_id: str) -> dict:
        try:
            return self.manifest["tables"][table_id]
        except KeyError:
            raise SnapshotError(f"{self.root / MANIFEST}: table {table_id} is not in the snapshot") from None

    def read_bytes(self, rel: str, table_id: str) -> bytes:
        path = self.root / rel
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise SnapshotError(f"{path}: snapshot file for table {table_id} is missing") from None
        expected = self.entry(table_id).get("sha256", {}).get(rel)
        if expected and sha256_bytes(data) != expected:
            raise SnapshotError(
                f"{path}: content hash does not match the manifest (file changed or half-written); "
                f"expected sha256 {expected[:12]}..., got {sha256_bytes(data)[:12]}..."
            )
        return data

    def read_table(self, table_id: str) -> pd.DataFrame:
        """All data files of one table as one long frame (read_jsonstat columns + source_file)."""
        frames = []
        for rel in self.entry(table_id)["data"]:
            data = self.read_bytes(rel, table_id)
            try:
                frame = read_jsonstat(data)
            except (JsonStatError, UnicodeDecodeError) as exc:
                raise SnapshotError(f"{self.root / rel}: table {table_id}: {exc}") from exc
            frame["source_file"] = rel
            frame["sha256"] = sha256_bytes(data)
            frames.append(frame)
        if not frames:
            raise SnapshotError(f"{self.root / MANIFEST}: table {table_id} lists no data files")
        return pd.concat(frames, ignore_index=True)


def open_snapshot(root: Path) -> Snapshot:
    path = Path(root) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SnapshotError(f"{path}: no snapshot manifest here") from None
    except json.JSONDecodeError as exc:
        raise SnapshotError(f"{path}: manifest is not valid JSON ({exc.msg}, line {exc.lineno})") from exc
    if manifest.get("format") != FORMAT_VERSION or "tables" not in manifest:
        raise SnapshotError(f"{path}: not a kommune-sdg snapshot manifest (format {manifest.get('format')!r})")
    return Snapshot(Path(root), manifest)


def write_manifest(root: Path, manifest: dict) -> Path:
    """Write manifest.json atomically (a reader never sees half a manifest)."""
    path = Path(root) / MANIFEST
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(path)
    return path
