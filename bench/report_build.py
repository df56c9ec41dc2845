"""Time the static HTML report build from a published warehouse, and report the site's size:
`python bench/report_build.py --db KOMMUNE_SDG_HOME/warehouse/kommune_sdg.duckdb [--repeat 3]
[--scale-from-units N] [--memory-limit 2500MB]`.

Each build runs in a child process into a fresh temporary folder (dbt docs not included), measured by
bench/measure.py: wall, CPU of the process tree (what to compare on a shared machine; wall follows the load),
peak RSS of the process tree and of its largest process. One line per build, then the medians. The build takes
the variant the report asset would: one page per unit up to `--scale-from-units` units, above it the scale
variant (pipeline/reports/scale.py: one unit page and per-unit data files); `--scale-from-units 0` forces the
scale variant on the national warehouse. DuckDB gets the warehouse's memory cap (`--memory-limit`, "" = none).
For the per-unit variant the map-bearing part (index map, 17 goal pages, 15 county pages) is also timed apart,
in this process: its models, and the rendering and writing of the 32 goal and county pages."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.measure import measure  # noqa: E402
from pipeline.reports.build import (  # noqa: E402
    _LAYOUT_BASE,
    _environment,
    _json_script,
    _prepare,
    _write_atomic,
    build_report,
)
from pipeline.reports.data import NO_RATING, RATINGS, load_marts  # noqa: E402
from pipeline.reports.map_pages import map_pages, write_map_pages  # noqa: E402
from pipeline.reports.scale import SCALE_FROM_UNITS  # noqa: E402
from pipeline.resources import Warehouse  # noqa: E402


def _config(memory_limit: str) -> dict:
    return Warehouse(build_db="", published_db="", memory_limit=memory_limit).duckdb_config()


def _once(db: Path, out: Path, scale_from_units: int, memory_limit: str) -> None:
    """The child: one build, its result as a JSON line."""
    r = build_report(db, out, dbt_docs=False, scale_from_units=scale_from_units, duckdb_config=_config(memory_limit))
    print(json.dumps({"seconds": r.seconds, "variant": r.variant, "pages": r.pages, "unit_files": r.unit_files,
                      "html_pages": r.html_pages, "site_files": r.site_files, "site_bytes": r.site_bytes,
                      "goal_pages": r.goal_pages, "county_pages": r.county_pages,
                      "indicator_pages": r.indicator_pages, "plotly_version": r.plotly_version}))


def _map_timing(db: Path, tmp: Path, plotly_version: str) -> tuple[float, float]:
    marts = load_marts(db)
    ctx = _prepare(marts)
    t0 = time.perf_counter()
    site = map_pages(marts, ctx.munis, ctx.goals, ctx.year, _LAYOUT_BASE)
    models = time.perf_counter() - t0
    common = {"demo": ctx.demo, "year": ctx.year, "meta": ctx.meta, "goals": ctx.goals, "ratings": RATINGS,
              "no_rating": NO_RATING, "plotly_version": plotly_version, "dbt_docs": False,
              "exports_href": "", "api": ""}
    t0 = time.perf_counter()
    write_map_pages(_environment(), common, site, tmp / "again", _write_atomic, _json_script)
    return models, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--scale-from-units", type=int, default=SCALE_FROM_UNITS,
                    help=f"above this many units, the scale variant (default {SCALE_FROM_UNITS}, as the asset)")
    ap.add_argument("--memory-limit", default="2500MB", help="DuckDB memory cap of the build's connections")
    ap.add_argument("--no-map-timing", action="store_true", help="per-unit variant: skip the map pages' timing")
    ap.add_argument("--once", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.once:
        _once(args.db, args.once, args.scale_from_units, args.memory_limit)
        return
    walls, cpus, peaks, models, writes = [], [], [], [], []
    for i in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="ksdg_report_bench_") as tmp:
            m = measure([sys.executable, str(Path(__file__).resolve()), "--db", str(args.db), "--once",
                         str(Path(tmp) / "reports"), "--scale-from-units", str(args.scale_from_units),
                         "--memory-limit", args.memory_limit])
            if m.returncode != 0:  # the peak up to the failure still says something
                print(f"build {i + 1} FAILED (rc {m.returncode}) after wall {m.wall_s:.2f} s, cpu {m.cpu_s:.2f} s, "
                      f"peak tree RSS {m.peak_tree_rss_mb:.0f} MB (largest process {m.max_process_rss_mb:.0f} MB), "
                      f"load {m.load_before:.1f}: {m.stderr.strip().splitlines()[-1] if m.stderr.strip() else ''}",
                      flush=True)
                continue
            r = json.loads(m.stdout.strip().splitlines()[-1])
            walls.append(m.wall_s)
            cpus.append(m.cpu_s)
            peaks.append(m.peak_tree_rss_mb)
            line = (f"build {i + 1} ({r['variant']}): wall {m.wall_s:.2f} s (build {r['seconds']:.2f} s), cpu "
                    f"{m.cpu_s:.2f} s, peak tree RSS {m.peak_tree_rss_mb:.0f} MB (largest process "
                    f"{m.max_process_rss_mb:.0f} MB), load {m.load_before:.1f}; ")
            if r["variant"] == "scale":
                line += (f"{r['pages']} units, {r['unit_files']} unit data files, {r['html_pages']} html pages, "
                         f"{r['site_files']} files, {r['site_bytes'] / 1e6:.1f} MB")
            else:
                line += (f"{r['html_pages']} html pages ({r['pages']} municipality, {r['goal_pages']} goal, "
                         f"{r['county_pages']} county, {r['indicator_pages']} indicator, 1 index), "
                         f"{r['site_files']} files, {r['site_bytes'] / 1e6:.1f} MB")
                if not args.no_map_timing:
                    mt, wt = _map_timing(args.db, Path(tmp), r["plotly_version"])
                    models.append(mt)
                    writes.append(wt)
                    line += f"; map page models {mt:.2f} s, rendering {wt:.2f} s"
            print(line, flush=True)
    tail = (f", map page models {statistics.median(models):.2f} s, rendering {statistics.median(writes):.2f} s"
            if models else "")
    if not walls:
        sys.exit(1)
    print(f"median: wall {statistics.median(walls):.2f} s, cpu {statistics.median(cpus):.2f} s, "
          f"peak tree RSS {statistics.median(peaks):.0f} MB{tail}")


if __name__ == "__main__":
    main()
