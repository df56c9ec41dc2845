"""The national whole job against a bare one-model dbt build, in the same run, with a per-step profile.

Per repeat, one after the other: (1) `dbt build` of a one-model dbt-duckdb project (`select 1`) in a
temporary folder, (2) `kommune-sdg refresh --source demo --force` (the whole nightly_refresh job: ingest,
GX suites, dbt build with its tests, checks, publish, exports, dbt docs, reports) in one KOMMUNE_SDG_HOME,
warmed by one unmeasured refresh first (the nightly case: a home that has published before). Each is
measured as a child process (bench/measure.py: wall, CPU, peak tree RSS). The refresh's profile comes from
its Dagster run: each step's wall time, plus what lies outside the run (process start to run start:
imports, dbt manifest, definitions; run end to exit: quality report, retention). Prints a JSON line per
repeat and the medians.

    .venv/bin/python bench/national_profile.py --repeats 3 --json /tmp/ksdg_bench/national.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.measure import measure  # noqa: E402
from pipeline.settings import ENV, Settings  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
BARE_PROJECT = {
    "dbt_project.yml": "name: bare\nversion: '1.0.0'\nconfig-version: 2\nprofile: bare\nmodel-paths: [models]\n",
    "profiles.yml": ("bare:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: '{db}'\n"
                     "      threads: 2\n"),
    "models/one.sql": "select 1 as x\n",
}


def bare_dbt_build(work: Path) -> dict:
    """`dbt build` of a one-model project (the fixed cost of any dbt invocation here)."""
    project = work / "bare_dbt"
    for name, text in BARE_PROJECT.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text.format(db=work / "bare.duckdb"), encoding="utf-8")
    m = measure([str(BIN / "dbt"), "build", "--project-dir", str(project), "--profiles-dir", str(project)],
                cwd=str(project))
    assert m.returncode == 0, m.stdout[-2000:] + m.stderr[-2000:]
    return {"wall_s": round(m.wall_s, 2), "cpu_s": round(m.cpu_s, 2)}


def run_profile(settings: Settings, t_start: float, t_end: float) -> dict:
    """Step wall times of the last Dagster run, and the time outside it."""
    from pipeline.refresh import instance_for  # noqa: PLC0415

    inst = instance_for(settings)
    run = inst.get_runs(limit=1)[0]
    stats = inst.get_run_stats(run.run_id)
    steps = {s.step_key: round(s.end_time - s.start_time, 2) for s in inst.get_run_step_stats(run.run_id)
             if s.start_time and s.end_time}
    return {"run_id": run.run_id, "run_s": round(stats.end_time - stats.start_time, 2),
            "before_run_s": round(stats.start_time - t_start, 2), "after_run_s": round(t_end - stats.end_time, 2),
            "steps": dict(sorted(steps.items(), key=lambda kv: -kv[1]))}


def refresh(settings: Settings, repo: Path = REPO) -> dict:
    """`kommune-sdg refresh --source demo --force` of the code in `repo` (another checkout: its own dbt project)."""
    env = os.environ | settings.environ()
    if repo != REPO:
        env.pop(ENV["dbt_project_dir"], None)
    t0 = time.time()
    m = measure([sys.executable, "-m", "pipeline.cli", "refresh", "--source", "demo", "--force"], env=env,
                cwd=str(repo))
    t1 = time.time()
    if m.returncode != 0:
        raise SystemExit(f"refresh failed (exit {m.returncode}): {m.stderr[-3000:]}")
    return {"wall_s": round(m.wall_s, 2), "cpu_s": round(m.cpu_s, 2), "peak_tree_rss_mb": round(m.peak_tree_rss_mb),
            "load_before": round(m.load_before, 2)} | run_profile(settings, t0, t1)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--home", type=Path, default=Path("/tmp/ksdg_bench/home_national"))
    p.add_argument("--no-warmup", action="store_true", help="the home has published before: measure from the start")
    p.add_argument("--repo", type=Path, default=REPO,
                   help="run the refresh of this checkout (e.g. `git archive` of an earlier commit) for a before/after")
    p.add_argument("--json", type=Path, help="append one JSON line per repeat here")
    a = p.parse_args()
    settings = Settings.for_home(a.home, dagster_home=a.home / "dagster")
    if not a.no_warmup:
        print("warm-up refresh (not measured) ...", flush=True)
        refresh(settings, a.repo)
    rows = []
    with tempfile.TemporaryDirectory(prefix="ksdg_bare_dbt_") as tmp:
        for i in range(a.repeats):
            row = {"repeat": i + 1, "bare_dbt": bare_dbt_build(Path(tmp)), "refresh": refresh(settings, a.repo),
                   "repo": str(a.repo)}
            row["ratio"] = round(row["refresh"]["wall_s"] / row["bare_dbt"]["wall_s"], 2)
            rows.append(row)
            print(json.dumps(row), flush=True)
            if a.json:
                a.json.parent.mkdir(parents=True, exist_ok=True)
                with a.json.open("a") as fh:
                    fh.write(json.dumps(row) + "\n")
    print(f"median of {len(rows)}: bare dbt build {statistics.median(r['bare_dbt']['wall_s'] for r in rows):.1f} s, "
          f"whole job {statistics.median(r['refresh']['wall_s'] for r in rows):.1f} s, "
          f"ratio {statistics.median(r['ratio'] for r in rows):.1f}x")
    steps = sorted({k for r in rows for k in r["refresh"]["steps"]})
    print("| step | median s |\n|---|---:|")
    for key in ("before_run_s", "after_run_s"):
        print(f"| ({key}) | {statistics.median(r['refresh'][key] for r in rows):.1f} |")
    for s in sorted(steps, key=lambda s: -statistics.median(r["refresh"]["steps"].get(s, 0) for r in rows)):
        print(f"| {s} | {statistics.median(r['refresh']['steps'].get(s, 0) for r in rows):.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
