"""The ingest step alone at scale: every catalog table of a snapshot streamed to Parquet, then loaded into a
fresh DuckDB file (what assets/ingest.py does), for memory and time without Dagster or dbt.

    .venv/bin/python bench/measure.py is used by refresh_scale.py; run this one under /usr/bin/time -v:
    /usr/bin/time -v .venv/bin/python bench/ingest_only.py /tmp/ksdg_bench/snap_100000 /tmp/ksdg_bench/ingest
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import duckdb  # noqa: E402

from pipeline.catalog import ssb_catalog  # noqa: E402
from pipeline.raw_tables import SSB_COLUMNS, write_ssb_parquet  # noqa: E402
from pipeline.snapshot import open_snapshot  # noqa: E402


def main(argv: list[str]) -> int:
    snap, work = open_snapshot(Path(argv[0])), Path(argv[1])
    shutil.rmtree(work, ignore_errors=True)
    catalog = ssb_catalog()
    t0 = time.perf_counter()
    files = [str(p) for t in catalog.tables for p in write_ssb_parquet(snap, catalog, t.id, work / "parquet")]
    t1 = time.perf_counter()
    con = duckdb.connect(str(work / "build.duckdb"))
    con.execute("create schema raw")
    con.execute(f"create table raw.ssb_observations as select {', '.join(SSB_COLUMNS)} from read_parquet(?)", [files])
    n = con.execute("select count(*) from raw.ssb_observations").fetchone()[0]
    con.close()
    print(f"{n:,} rows: JSON-stat -> Parquet {t1 - t0:.1f} s, DuckDB load {time.perf_counter() - t1:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
