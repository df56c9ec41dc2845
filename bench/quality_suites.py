"""Time the quality suites of a refresh on a build database: the SSB table suites and drift stats
(checks/ssb_suites.py, checks/drift.py) over raw.ssb_observations, and the submission suite over
raw.submission_values, each in this process, CPU and wall seconds, median of --repeat:

    .venv/bin/python bench/quality_suites.py --db HOME/warehouse/build/kommune_sdg_build.duckdb --repeat 3

The first timed call also pays imports the suites make on first use (GX's, before the submission suite became
SQL). Run a copy of this file inside an older tree (`git archive REV | tar -x -C DIR`) for a before/after."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import duckdb  # noqa: E402

from checks.drift import table_stats_sql  # noqa: E402
from checks.ssb_suites import table_suites  # noqa: E402
from checks.submission_suite import run_submission_suite  # noqa: E402
from pipeline.catalog import ssb_catalog  # noqa: E402
from pipeline.paths import DBT_PROJECT_DIR  # noqa: E402
from pipeline.resources import ReferenceData  # noqa: E402


def _timed(fn) -> tuple[float, float]:
    c, w = time.process_time(), time.perf_counter()
    fn()
    return time.process_time() - c, time.perf_counter() - w


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    munis = list(ReferenceData(dbt_project_dir=str(DBT_PROJECT_DIR)).municipalities())
    con = duckdb.connect(str(a.db), read_only=True)

    def ssb() -> None:
        for suite in table_suites(ssb_catalog(), munis):
            con.execute("create or replace temp view suite_rows as select * from raw.ssb_observations "
                        f"where table_id = '{suite.table.id}'")
            suite.run_sql(con, "suite_rows")
            table_stats_sql(con, "suite_rows")

    frame = con.execute("select * from raw.submission_values").df()

    def submissions() -> None:
        run_submission_suite(frame, munis)

    for name, fn in (("ssb suites + drift", ssb), ("submission suite", submissions)):
        runs = [_timed(fn) for _ in range(a.repeat)]
        cpu = [r[0] for r in runs]
        wall = [r[1] for r in runs]
        print(f"{name:<20} cpu {' '.join(f'{c:.2f}' for c in cpu)} (median {statistics.median(cpu):.2f})  "
              f"wall median {statistics.median(wall):.2f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
