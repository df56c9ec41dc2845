"""Run bench/floor.sql (the DuckDB floor) over a snapshot directory into a fresh DuckDB file; print row counts.

    .venv/bin/python bench/floor.py /tmp/ksdg_bench/snap_357 /tmp/ksdg_bench/floor_357.duckdb
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    snapshot, out = Path(argv[0]).resolve(), Path(argv[1])
    out.unlink(missing_ok=True)
    sql = (REPO / "bench" / "floor.sql").read_text().format(
        snapshot=snapshot, catalog=REPO / "dbt_project" / "seeds" / "indicator_catalog.csv")
    t0 = time.perf_counter()
    con = duckdb.connect(str(out))
    # the same memory cap as the refresh's dbt run gets from bench/refresh_scale.py
    con.execute(f"set memory_limit = '{os.environ.get('KOMMUNE_SDG_DUCKDB_MEMORY_LIMIT', '3GB')}'")
    con.execute(sql)
    counts = {t: con.execute(f"select count(*) from {t}").fetchone()[0]
              for t in ("raw_obs", "series", "indicator_values", "indicator_scores", "goal_scores", "sdg_index")}
    con.close()
    print(f"floor {time.perf_counter() - t0:.1f} s {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
