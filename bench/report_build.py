"""Time the static HTML report build from a published warehouse, and report the site's size:
`python bench/report_build.py --db KOMMUNE_SDG_HOME/warehouse/kommune_sdg.duckdb [--repeat 3]`.

Builds into a fresh temporary folder each time (dbt docs not included), prints one line per build (wall and
CPU seconds: CPU is what to compare on a shared machine, wall follows the load) and the medians; the map-bearing
part (index map, 17 goal pages, 15 county pages) is timed apart: its models, and the
rendering and writing of the 32 goal and county pages."""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from pipeline.reports.build import _LAYOUT_BASE, _environment, _json_script, _prepare, _write_atomic, build_report
from pipeline.reports.data import NO_RATING, RATINGS, load_marts
from pipeline.reports.map_pages import map_pages, write_map_pages


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    totals, cpus, models, writes = [], [], [], []
    for i in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="ksdg_report_bench_") as tmp:
            c0 = time.process_time()
            r = build_report(args.db, Path(tmp) / "reports", dbt_docs=False)
            cpus.append(time.process_time() - c0)
            marts = load_marts(args.db)
            ctx = _prepare(marts)
            t0 = time.perf_counter()
            site = map_pages(marts, ctx.munis, ctx.goals, ctx.year, _LAYOUT_BASE)
            models.append(time.perf_counter() - t0)
            common = {"demo": ctx.demo, "year": ctx.year, "meta": ctx.meta, "goals": ctx.goals, "ratings": RATINGS,
                      "no_rating": NO_RATING, "plotly_version": r.plotly_version, "dbt_docs": False,
                      "exports_href": "", "api": ""}
            t0 = time.perf_counter()
            write_map_pages(_environment(), common, site, Path(tmp) / "again", _write_atomic, _json_script)
            writes.append(time.perf_counter() - t0)
            totals.append(r.seconds)
            print(f"build {i + 1}: {r.seconds:.2f} s (cpu {cpus[-1]:.2f} s, load {os.getloadavg()[0]:.1f}), "
                  f"{r.html_pages} html pages ({r.pages} municipality, {r.goal_pages} goal, {r.county_pages} county, "
                  f"{r.indicator_pages} indicator, 1 index), {r.site_files} files, {r.site_bytes / 1e6:.1f} MB; "
                  f"map page models {models[-1]:.2f} s, rendering {writes[-1]:.2f} s")
    print(f"median: build {statistics.median(totals):.2f} s, cpu {statistics.median(cpus):.2f} s, "
          f"map page models {statistics.median(models):.2f} s, "
          f"rendering {statistics.median(writes):.2f} s")


if __name__ == "__main__":
    main()
