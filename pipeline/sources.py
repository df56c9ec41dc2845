"""Where a refresh reads SSB data from: the bundled demo, a stored snapshot, or the live API."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.catalog import ssb_catalog
from pipeline.demo import generate_demo_snapshot
from pipeline.demo.snapshot import demo_fingerprint
from pipeline.paths import Home
from pipeline.snapshot import MANIFEST, Snapshot, SnapshotError, open_snapshot

SOURCE_ENV = "KOMMUNE_SDG_SOURCE"
SSB_URL_ENV = "KOMMUNE_SDG_SSB_URL"  # another PxWebApi v2 base URL (a mirror, or the test server)


@dataclass(frozen=True)
class ResolvedSource:
    snapshot: Snapshot
    fetch: dict[str, dict] = field(default_factory=dict)  # per table: status, requests, cells (live only)


def default_source() -> str:
    return os.environ.get(SOURCE_ENV, "demo")


def resolve_snapshot(source: str, home: Home, log: Callable[[str], None] = print) -> ResolvedSource:
    """Return the snapshot a refresh reads for `source` ('demo', 'live' or 'snapshot:DIR')."""
    if source == "demo":
        root = home.demo_snapshot_dir
        manifest = root / MANIFEST
        cached = json.loads(manifest.read_text(encoding="utf-8")).get("fingerprint") if manifest.exists() else None
        if cached != demo_fingerprint():
            log(f"generating the demo snapshot (synthetic DEMO data) in {root}"
                + (" (the catalog or generator changed)" if cached else ""))
            shutil.rmtree(root, ignore_errors=True)
            generate_demo_snapshot(root)
        return ResolvedSource(open_snapshot(root))
    if source.startswith("snapshot:"):
        root = Path(source.removeprefix("snapshot:")).expanduser()
        if not root.is_dir():
            raise SnapshotError(f"{root}: snapshot directory does not exist")
        return ResolvedSource(open_snapshot(root))
    if source == "live":
        from pipeline.ssb.fetch import fetch_snapshot, latest_snapshot  # noqa: PLC0415 (network code only when live)

        catalog = ssb_catalog()
        base_url = os.environ.get(SSB_URL_ENV) or catalog.base_url
        log(f"fetching {len(catalog.tables)} SSB tables from {base_url} (incremental)")
        result = fetch_snapshot(catalog, home.snapshots_dir, base_url,
                                previous=latest_snapshot(home.snapshots_dir), log=log)
        log(f"fetch done: {result.requests} requests, {len(result.changed)} tables changed, "
            f"{len(result.unchanged)} unchanged, {result.elapsed_s:.1f} s")
        return ResolvedSource(open_snapshot(result.snapshot_dir),
                              {tid: t.as_metadata() for tid, t in result.tables.items()})
    raise ValueError(f"unknown source {source!r}: use demo, live or snapshot:DIR")
