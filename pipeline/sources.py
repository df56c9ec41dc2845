"""Where a refresh reads SSB data from: the bundled demo, a stored snapshot, or the live API."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from pipeline.catalog import ssb_catalog
from pipeline.demo import generate_demo_snapshot
from pipeline.paths import Home
from pipeline.snapshot import MANIFEST, Snapshot, SnapshotError, open_snapshot

SOURCE_ENV = "KOMMUNE_SDG_SOURCE"


def default_source() -> str:
    return os.environ.get(SOURCE_ENV, "demo")


def resolve_snapshot(source: str, home: Home, log: Callable[[str], None] = print) -> Snapshot:
    """Return the snapshot a refresh reads for `source` ('demo', 'live' or 'snapshot:DIR')."""
    if source == "demo":
        root = home.demo_snapshot_dir
        if not (root / MANIFEST).exists():
            log(f"generating the demo snapshot (synthetic DEMO data) in {root}")
            generate_demo_snapshot(root)
        return open_snapshot(root)
    if source.startswith("snapshot:"):
        root = Path(source.removeprefix("snapshot:")).expanduser()
        if not root.is_dir():
            raise SnapshotError(f"{root}: snapshot directory does not exist")
        return open_snapshot(root)
    if source == "live":
        from pipeline.ssb.fetch import fetch_snapshot, latest_snapshot  # noqa: PLC0415 (network code only when live)

        catalog = ssb_catalog()
        result = fetch_snapshot(catalog, home.snapshots_dir, catalog.base_url,
                                previous=latest_snapshot(home.snapshots_dir), log=log)
        return open_snapshot(result.snapshot_dir)
    raise ValueError(f"unknown source {source!r}: use demo, live or snapshot:DIR")
