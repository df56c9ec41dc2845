"""Jobs and schedules: the nightly refresh, in process (one DuckDB writer at a time, no per-step start-up)."""

from __future__ import annotations

import dagster as dg

from pipeline.run_launcher import heartbeat_executor
from pipeline.settings import DEFAULT_REFRESH_CRON, ENV

NIGHTLY_SCHEDULE = "nightly_refresh_schedule"
WAREHOUSE_TAG = "kommune_sdg/warehouse"  # the run queue lets one run holding this tag run at a time

nightly_refresh = dg.define_asset_job(
    "nightly_refresh",
    selection=dg.AssetSelection.all(),
    description="Ingest SSB snapshot + submissions, dbt build (tests gate), blocking checks, then publish.",
    executor_def=heartbeat_executor,
    tags={WAREHOUSE_TAG: "writer"},
)


def build_nightly_schedule(cron: str = DEFAULT_REFRESH_CRON) -> dg.ScheduleDefinition:
    """The nightly refresh on `cron` in Norwegian time (KOMMUNE_SDG_REFRESH_CRON; default 02:00)."""
    try:
        return dg.ScheduleDefinition(
            name=NIGHTLY_SCHEDULE,
            job=nightly_refresh,
            cron_schedule=cron,
            execution_timezone="Europe/Oslo",
            default_status=dg.DefaultScheduleStatus.RUNNING,
            description=f"The nightly refresh ({cron}, Europe/Oslo; set by {ENV['refresh_cron']}).",
        )
    except dg.DagsterInvalidDefinitionError as exc:
        raise ValueError(f"{ENV['refresh_cron']}={cron!r}: not a cron schedule ({exc})") from None
