"""Publish: copy the audited marts from the build database into the published warehouse atomically."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipeline.diskspace import guard, remove_file
from pipeline.resources import Warehouse

PUBLISHED_SCHEMA = "marts"


def publish_marts(warehouse: Warehouse, marts: list[str], run_id: str, snapshot_kind: str,
                  inputs: dict[str, str] | None = None) -> dict[str, int]:
    """Write the given marts into a new file beside the warehouse, fsync it, and rename it over the published
    file. Readers holding the old file keep reading it; new readers see the new marts."""
    target = warehouse.published_path
    tmp = target.with_name(f".{target.name}.{run_id[:8]}.publishing")
    tmp.unlink(missing_ok=True)
    counts: dict[str, int] = {}
    # any failure removes the half-written file (a full disk gets its space back at once) and leaves the
    # published warehouse as it was; a full disk becomes a DiskFull naming the file and the free space
    with guard("the new published warehouse (publish)", tmp,
               cleanup=remove_file(tmp, tmp.with_name(tmp.name + ".wal"))):
        _write(warehouse, tmp, marts, run_id, snapshot_kind, inputs, counts)
        _fsync(tmp)
        os.replace(tmp, target)
    _fsync(target.parent)
    return counts


def _write(warehouse: Warehouse, tmp: Path, marts: list[str], run_id: str, snapshot_kind: str,
           inputs: dict[str, str] | None, counts: dict[str, int]) -> None:
    con = duckdb.connect(str(tmp), config=warehouse.duckdb_config())
    try:
        con.execute(f"attach '{warehouse.build_db}' as build (read_only)")
        built = {r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_catalog = 'build' "
            "and table_schema = ? and table_type = 'BASE TABLE'", [PUBLISHED_SCHEMA]).fetchall()}
        missing = sorted(set(marts) - built)
        if not marts or missing:
            raise RuntimeError(f"{warehouse.build_db}: marts {missing or marts} are not in schema "
                               f"{PUBLISHED_SCHEMA}; nothing published")
        con.execute(f"create schema {PUBLISHED_SCHEMA}")
        for t in sorted(marts):
            con.execute(f"create table {PUBLISHED_SCHEMA}.{t} as select * from build.{PUBLISHED_SCHEMA}.{t}")
            counts[t] = con.execute(f"select count(*) from {PUBLISHED_SCHEMA}.{t}").fetchone()[0]
        con.execute("create schema meta")
        # + what the marts were built from (source, snapshot/submissions/code fingerprints): a refresh with
        # the same inputs skips the rebuild (pipeline.refresh_inputs.decide)
        extra = inputs or {}
        cols = "".join(f", ? as {k}" for k in extra)
        con.execute(f"create table meta.refresh as select ? as run_id, ? as published_at, ? as snapshot_kind{cols}",
                    [run_id, datetime.now(UTC), snapshot_kind, *extra.values()])
        con.execute("detach build")
        con.execute("checkpoint")
    finally:
        con.close()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_stale_publishing_files(warehouse: Warehouse) -> list[Path]:
    """A refresh killed mid-publish leaves a .publishing file; the next refresh removes it."""
    stale = list(warehouse.published_path.parent.glob(".*.publishing"))
    for p in stale:
        p.unlink(missing_ok=True)
    return stale
