"""What a refresh does before its Dagster run starts, piece by piece, in CPU and wall seconds:

    .venv/bin/python bench/startup_profile.py --home KOMMUNE_SDG_HOME

the no-change test, importing Dagster, importing the definitions (dagster_dbt imports dbt), the Dagster
instance, building the definitions and the job's execution plan. Run it twice: the first run also pays a cold
page cache and Python's bytecode compilation."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", type=Path, required=True, help="a home that has published the demo before")
    a = ap.parse_args()
    marks: list[tuple[str, float, float]] = [("start", time.process_time(), time.perf_counter())]

    def mark(name: str) -> None:
        marks.append((name, time.process_time(), time.perf_counter()))

    from pipeline.refresh_inputs import unchanged_refresh  # noqa: PLC0415
    from pipeline.settings import Settings  # noqa: PLC0415

    settings = Settings.for_home(a.home, dagster_home=a.home / "dagster")
    home = settings.home.ensure()
    unchanged_refresh(home, "demo", home.published_db, settings.dbt_project_dir)
    mark("no-change test (with its imports)")
    import dagster  # noqa: F401, PLC0415

    mark("import dagster")
    import pipeline.definitions as definitions  # noqa: PLC0415

    mark("import the definitions")
    from pipeline.refresh import instance_for  # noqa: PLC0415

    instance_for(settings)
    mark("Dagster instance")
    job = definitions.build_definitions(settings).resolve_job_def("nightly_refresh")
    mark("definitions and job")
    from dagster._core.execution.api import create_execution_plan  # noqa: PLC0415

    create_execution_plan(job)
    mark("execution plan")
    for (name, cpu, wall), (_, cpu0, wall0) in zip(marks[1:], marks[:-1], strict=True):
        print(f"{name:<36} cpu {cpu - cpu0:6.2f} s  wall {wall - wall0:6.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
