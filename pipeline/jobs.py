"""Jobs and schedules: the nightly refresh, in process (one DuckDB writer at a time, no per-step start-up)."""

from __future__ import annotations

import dagster as dg

nightly_refresh = dg.define_asset_job(
    "nightly_refresh",
    selection=dg.AssetSelection.all(),
    description="Ingest SSB snapshot + submissions, dbt build (tests gate), blocking checks, then publish.",
    executor_def=dg.in_process_executor,
    tags={"kommune_sdg/warehouse": "writer"},
)

nightly_schedule = dg.ScheduleDefinition(
    name="nightly_refresh_0200_oslo",
    job=nightly_refresh,
    cron_schedule="0 2 * * *",
    execution_timezone="Europe/Oslo",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="The nightly refresh at 02:00 Norwegian time.",
)
