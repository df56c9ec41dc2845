"""The build database of write-audit-publish: recreated by each refresh, loaded, built by dbt, checked."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import duckdb

from pipeline.paths import Home


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
    con = duckdb.connect(str(home.build_db), read_only=read_only)
    try:
        yield con
    finally:
        con.close()
