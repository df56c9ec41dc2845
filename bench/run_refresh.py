"""Child process of bench/refresh_scale.py: one refresh of the `nightly_refresh` job, as `kommune-sdg refresh`
runs it (pipeline.refresh.run_refresh, with the settings of its environment), or with --no-gx the same job
without the GX suites on the raw SSB table (checks/quality_checks.ssb_quality_suites), which load the whole
raw table into pandas. Like the CLI, it first asks pipeline.refresh_inputs.unchanged_refresh and stops there
when nothing changed. Prints one JSON line: success, rows of raw.ssb_observations, checks, failures, skipped."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--source", required=True)
    p.add_argument("--no-gx", action="store_true")
    p.add_argument("--core", action="store_true",
                   help="only what publishing needs: ingest, dbt, their checks, publish (no exports, reports, GX)")
    a = p.parse_args()
    t0 = time.perf_counter()
    from pipeline.refresh_inputs import unchanged_refresh  # noqa: PLC0415
    from pipeline.settings import Settings  # noqa: PLC0415

    settings = Settings.from_env()  # the bench sets KOMMUNE_SDG_HOME, the dbt project copy, the memory cap
    h = settings.home.ensure()
    # what `kommune-sdg refresh` asks before loading Dagster
    published = unchanged_refresh(h, a.source, h.published_db, settings.dbt_project_dir)
    if published:
        print(json.dumps({"steps": {"unchanged_check": round(time.perf_counter() - t0, 1)}, "success": True,
                          "rows": None, "skipped": True, "published_run_id": published["run_id"]}))
        return 0
    import dagster as dg  # noqa: PLC0415

    from checks.quality_checks import ssb_quality_suites  # noqa: PLC0415
    from pipeline.asset_keys import PUBLISHED_WAREHOUSE  # noqa: PLC0415
    from pipeline.refresh import instance_for, run_refresh  # noqa: PLC0415

    selection = None
    if a.no_gx or a.core:
        # core: publish and everything upstream, plus every reference seed (dbt tests read them)
        everything = (dg.AssetSelection.keys(PUBLISHED_WAREHOUSE).upstream() | dg.AssetSelection.groups("reference")
                      if a.core else dg.AssetSelection.all())
        selection = everything - dg.AssetSelection.checks(ssb_quality_suites)
    imported = time.perf_counter() - t0
    s = run_refresh(settings, a.source, selection=selection)
    steps: dict[str, float] = {}
    windows: dict[str, tuple[float, float]] = {}
    try:  # per-step wall times from the run's event log (the profile of docs/benchmarks.md)
        for st in instance_for(settings).get_run_step_stats(s.run_id):
            if st.start_time and st.end_time:
                steps[st.step_key] = round(st.end_time - st.start_time, 1)
                windows[st.step_key] = (st.start_time, st.end_time)
    except Exception as exc:  # noqa: BLE001 - figures only
        steps["error"] = repr(exc)
    print(json.dumps({"steps": steps, "success": s.success, "rows": s.rows.get("raw/ssb_observations"),
                      "checks_passed": len(s.checks_passed), "checks_failed": s.checks_failed[:5],
                      "failures": s.failures[:5], "skipped": not s.rows, "import_s": round(imported, 1),
                      "step_windows": windows}))
    return 0 if s.success else 1


if __name__ == "__main__":
    raise SystemExit(main())
