"""meta.refresh: the one-row table publish writes beside the marts (run id, published_at, snapshot kind and
the input fingerprints). Kept apart from pipeline.publish so light readers (exports, reports, the no-change
decision) need not import Dagster."""

from __future__ import annotations

from typing import Any

import duckdb


def read_refresh_meta(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """The published run's row of meta.refresh (run id, published_at, snapshot kind, input fingerprints) as
    written by `pipeline.publish`, or None when the file has no such table or row. The one reader of that table."""
    has_meta = con.execute("select count(*) from information_schema.tables "
                           "where table_schema = 'meta' and table_name = 'refresh'").fetchone()[0]
    if not has_meta:
        return None
    cur = con.execute("select * from meta.refresh limit 1")
    row = cur.fetchone()
    return dict(zip([d[0] for d in cur.description], row, strict=True)) if row is not None else None
