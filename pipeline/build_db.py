"""The build database of write-audit-publish: recreated by each refresh, loaded, built by dbt, checked."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import duckdb

from pipeline.paths import Home

# Caps DuckDB's memory in every connection a refresh opens (ingest, checks, publish, exports) and in dbt's
# (on-run-start hook, dbt_project/macros): DuckDB spills to disk beyond it. Unset: DuckDB's default, 80 % of RAM.
MEMORY_LIMIT_ENV = "KOMMUNE_SDG_DUCKDB_MEMORY_LIMIT"


def duckdb_config() -> dict[str, str | bool]:
    """DuckDB settings for the pipeline's own connections: the memory cap, and no insertion-order buffering
    (marts have keys, not an order) so big copies stream instead of holding rows."""
    limit = os.environ.get(MEMORY_LIMIT_ENV)
    return {"memory_limit": limit, "preserve_insertion_order": False} if limit else {}


def reset_build_db(home: Home) -> Path:
    """Delete any leftover build database (a killed run leaves one) so every refresh starts fresh."""
    path = home.build_db
    path.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)
    return path


@contextlib.contextmanager
def connect(home: Home, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived connection; never held while dbt (a separate process) writes the same file."""
    con = duckdb.connect(str(home.build_db), read_only=read_only, config=duckdb_config())
    try:
        yield con
    finally:
        con.close()
