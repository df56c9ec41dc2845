"""Full refresh at scale: N units x the catalog's SSB series x 10 years, against the DuckDB floor.

For each N: generate a synthetic snapshot (testkit/synthetic.py) under --work (default /tmp/ksdg_bench),
run a full refresh in a fresh KOMMUNE_SDG_HOME (child process, measured: wall, CPU, peak RSS of the
process tree), then the same refresh again with nothing changed, then a hand-written DuckDB floor, and print
the table of docs/benchmarks.md. `--floor raw` (default): bench/floor_raw.py, the transformation floor over
the raw tables the refresh loaded (its build database), its marts compared with the refresh's row for row;
`--floor json`: bench/floor.py, the older floor that starts from the JSON files.

    .venv/bin/python bench/refresh_scale.py --units 357 3570 35700 100000 --no-gx-from 35700
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.measure import Measurement, measure  # noqa: E402
from pipeline.settings import ENV, Settings  # noqa: E402
from testkit.synthetic import generate_synthetic_snapshot, synthetic_env  # noqa: E402

MEMORY_LIMIT_ENV = ENV["duckdb_memory_limit"]
REPO = Path(__file__).resolve().parent.parent
PY = sys.executable


def _refresh(snap: Path, home: Path, no_gx: bool, core: bool, memory_limit: str) -> tuple[Measurement, dict]:
    settings = Settings.for_home(home, dagster_home=home / "dagster", duckdb_memory_limit=memory_limit)
    env = os.environ | settings.environ() | synthetic_env(snap)
    cmd = [PY, str(REPO / "bench" / "run_refresh.py"), "--source", f"snapshot:{snap}"]
    cmd += (["--no-gx"] if no_gx else []) + (["--core"] if core else [])
    m = measure(cmd, env=env, cwd=str(REPO))
    try:
        info = json.loads(m.stdout.strip().splitlines()[-1])
    except (json.JSONDecodeError, IndexError):
        info = {"success": False, "failures": [m.stderr[-2000:]]}
    return m, info


def _plain(m: Measurement) -> dict:
    """A measurement for the JSON lines: no output, no RSS samples."""
    return {k: v for k, v in vars(m).items() if k not in ("samples", "stdout", "stderr")}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--units", type=int, nargs="+", default=[357, 3570, 35700, 100000])
    p.add_argument("--work", type=Path, default=Path("/tmp/ksdg_bench"))
    p.add_argument("--no-gx-from", type=int, default=35700,
                   help="from this N on, leave out the GX suites on raw SSB (they load the raw table into pandas)")
    p.add_argument("--core", action="store_true",
                   help="refresh up to publish only: ingest, dbt, blocking checks, publish (no GX, exports, reports)")
    p.add_argument("--skip-unchanged", action="store_true", help="do not run the no-change refresh")
    p.add_argument("--skip-floor", action="store_true")
    p.add_argument("--floor", choices=["raw", "json"], default="raw",
                   help="raw: bench/floor_raw.py over the refresh's raw tables, compared with its marts (default); "
                        "json: bench/floor.py from the snapshot's JSON files")
    p.add_argument("--json", type=Path, help="append results as JSON lines here")
    p.add_argument("--memory-limit", default="2500MB",
                   help="DuckDB memory cap for every connection of the refresh and for the floor (default 2500MB: "
                        "dbt's process plus the idle Dagster process stay under 4 GB)")
    a = p.parse_args()
    rows = []
    for n in a.units:
        snap = a.work / f"snap_{n}"
        if not (snap / "manifest.json").exists():
            t0 = time.perf_counter()
            generate_synthetic_snapshot(snap, n)
            print(f"N={n}: generated {snap} in {time.perf_counter() - t0:.1f} s", flush=True)
        home = a.work / f"home_{n}"
        shutil.rmtree(home, ignore_errors=True)
        no_gx = n >= a.no_gx_from
        full, info = _refresh(snap, home, no_gx, a.core, a.memory_limit)
        windows = info.pop("step_windows", None) or {}
        info["step_peak_rss_mb"] = full.peak_by_window(windows)
        print(full.line(f"N={n} full refresh{' (core)' if a.core else ' (no GX)' if no_gx else ''}"), info, flush=True)
        row = {"n": n, "no_gx": no_gx or a.core, "core": a.core,
               "full": _plain(full) | {"stderr": full.stderr[-3000:]}, "full_info": info}
        if not a.skip_unchanged and info.get("success"):
            same, sinfo = _refresh(snap, home, no_gx, a.core, a.memory_limit)
            print(same.line(f"N={n} no-change refresh"), sinfo, flush=True)
            sinfo.pop("step_windows", None)
            row |= {"unchanged": _plain(same), "unchanged_info": sinfo}
        if not a.skip_floor and a.floor == "json":
            out = a.work / f"floor_{n}.duckdb"
            floor = measure([PY, str(REPO / "bench" / "floor.py"), str(snap), str(out)], cwd=str(REPO),
                            env=os.environ | {MEMORY_LIMIT_ENV: a.memory_limit})
            print(floor.line(f"N={n} DuckDB floor"), floor.stdout.strip().splitlines()[-1:], flush=True)
            row |= {"floor": _plain(floor) | {"stdout": floor.stdout[-2000:], "stderr": floor.stderr[-2000:]}}
        elif not a.skip_floor and info.get("success"):
            out = a.work / f"floor_raw_{n}.duckdb"
            build_db = Settings.for_home(home).home.build_db
            floor = measure([PY, str(REPO / "bench" / "floor_raw.py"), str(build_db), str(out), "--project-dir",
                             synthetic_env(snap)[ENV["dbt_project_dir"]]], cwd=str(REPO),
                            env=os.environ | {MEMORY_LIMIT_ENV: a.memory_limit})
            try:
                res = json.loads(floor.stdout.strip().splitlines()[-1])
            except (json.JSONDecodeError, IndexError):
                res = {"error": floor.stderr[-2000:]}
            print(floor.line(f"N={n} raw floor"), {k: res.get(k) for k in ("load_s", "transform_s", "equal")},
                  flush=True)
            row |= {"floor_raw": _plain(floor) | {"stderr": floor.stderr[-2000:]} | {"result": res}}
            out.unlink(missing_ok=True)
        rows.append(row)
        if a.json:
            with a.json.open("a") as fh:
                fh.write(json.dumps(row, default=str) + "\n")
    print("\n| N units | raw rows | refresh wall s | CPU s | peak RSS MB | floor wall s | refresh/floor "
          "| no-change s | no-change/full |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        f = r["full"]
        fl = r.get("floor") or ({"wall_s": r["floor_raw"]["result"].get("transform_s") or float("nan")}
                                if r.get("floor_raw") else None)
        u = r.get("unchanged")
        cells = [f"{r['n']:,}{' (no GX)' if r['no_gx'] else ''}", f"{r['full_info'].get('rows') or 0:,}",
                 f"{f['wall_s']:.1f}", f"{f['cpu_s']:.1f}", f"{f['peak_tree_rss_mb']:.0f}"]
        cells += [f"{fl['wall_s']:.1f}", f"{f['wall_s'] / fl['wall_s']:.2f}"] if fl else ["-", "-"]
        cells += [f"{u['wall_s']:.1f}", f"{u['wall_s'] / f['wall_s']:.1%}"] if u else ["-", "-"]
        print("| " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
