"""Where a refresh reads SSB data from: the bundled demo, a stored snapshot, or the live API.

`Source.parse` is the one parser of the `--source` text (`demo`, `live`, `snapshot:DIR`); the CLI refuses a
bad value before any run starts, and the snapshot asset parses its run config with the same function.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pipeline.catalog import ssb_catalog
from pipeline.paths import Home
from pipeline.snapshot import MANIFEST, Snapshot, SnapshotError, open_snapshot

SourceKind = Literal["demo", "live", "snapshot"]


class SourceError(ValueError):
    """A `--source` value that names no source we know, or a snapshot folder that is not there."""


@dataclass(frozen=True)
class Source:
    kind: SourceKind
    path: Path | None = None  # the folder of a stored snapshot (kind "snapshot")

    @classmethod
    def parse(cls, text: str | Source) -> Source:
        if isinstance(text, Source):
            return text
        value = (text or "").strip()
        if value in ("demo", "live"):
            return cls(value)  # type: ignore[arg-type]
        if value.startswith("snapshot:") and value.removeprefix("snapshot:").strip():
            root = Path(value.removeprefix("snapshot:").strip()).expanduser().resolve()
            if not root.is_dir():
                raise SourceError(f"{root}: snapshot directory does not exist")
            return cls("snapshot", root)
        raise SourceError(f"unknown source {value!r}: use demo, live or snapshot:DIR")

    def __str__(self) -> str:
        return f"snapshot:{self.path}" if self.kind == "snapshot" else self.kind

    @property
    def offline(self) -> bool:
        return self.kind != "live"


@dataclass(frozen=True)
class ResolvedSource:
    snapshot: Snapshot
    fetch: dict[str, dict] = field(default_factory=dict)  # per table: status, requests, cells (live only)


def demo_snapshot(home: Home, log: Callable[[str], None] = print) -> Snapshot:
    """The bundled demo snapshot, generated into the home when missing or when the catalog changed."""
    from pipeline.demo import generate_demo_snapshot  # noqa: PLC0415
    from pipeline.demo.snapshot import demo_fingerprint  # noqa: PLC0415

    root = home.demo_snapshot_dir
    manifest = root / MANIFEST
    cached = json.loads(manifest.read_text(encoding="utf-8")).get("fingerprint") if manifest.exists() else None
    if cached != demo_fingerprint():
        log(f"generating the demo snapshot (synthetic DEMO data) in {root}"
            + (" (the catalog or generator changed)" if cached else ""))
        shutil.rmtree(root, ignore_errors=True)
        generate_demo_snapshot(root)
    return open_snapshot(root)


def resolve_snapshot(source: Source, home: Home, ssb_url: str = "",
                     log: Callable[[str], None] = print) -> ResolvedSource:
    """The snapshot a refresh reads: the demo (generated if needed), a stored one, or a live fetch.

    `ssb_url` overrides the catalog's base URL for a live fetch (a mirror, or a local test server).
    """
    if source.kind == "demo":
        return ResolvedSource(demo_snapshot(home, log))
    if source.kind == "snapshot":
        assert source.path is not None
        return ResolvedSource(open_snapshot(source.path))
    from pipeline.ssb.fetch import fetch_snapshot, latest_snapshot  # noqa: PLC0415 (network code only when live)

    catalog = ssb_catalog()
    base_url = ssb_url or catalog.base_url
    log(f"fetching {len(catalog.tables)} SSB tables from {base_url} (incremental)")
    result = fetch_snapshot(catalog, home.snapshots_dir, base_url, previous=latest_snapshot(home.snapshots_dir),
                            log=log)
    log(f"fetch done: {result.requests} requests, {len(result.changed)} tables changed, "
        f"{len(result.unchanged)} unchanged, {result.elapsed_s:.1f} s")
    fetched = {tid: t.as_metadata() for tid, t in result.tables.items()}
    return ResolvedSource(open_snapshot(result.snapshot_dir), fetched)


def stored_snapshot(source: Source, home: Home) -> Snapshot | None:
    """The snapshot an offline refresh would read, when it is there as is (no generation, no fetch);
    None means only a run can tell (live, or a demo that has to be generated first)."""
    if source.kind == "live":
        return None
    root = home.demo_snapshot_dir if source.kind == "demo" else source.path
    assert root is not None
    try:
        snapshot = open_snapshot(root)
    except SnapshotError:
        return None  # the run reports the broken snapshot with its file name
    if source.kind == "demo":
        from pipeline.demo.snapshot import demo_fingerprint  # noqa: PLC0415

        if snapshot.manifest.get("fingerprint") != demo_fingerprint():
            return None
    return snapshot


__all__ = ["ResolvedSource", "Source", "SourceError", "SnapshotError", "demo_snapshot", "resolve_snapshot",
           "stored_snapshot"]
