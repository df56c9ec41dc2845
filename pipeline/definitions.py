"""The Dagster code location (loaded by workspace.yaml, and by `kommune-sdg refresh` for its settings).

`build_definitions(settings)` wires everything: the assets by layer, the checks of the publish gate, the
jobs, schedule and sensors, and the resources that carry all configuration. `defs` (loaded lazily by
Dagster's tools) is the code location for the settings of the environment it starts in
(`Settings.from_env()`, the only place the environment is read).
"""

from __future__ import annotations

import dagster as dg

from assets.dbt import build_dbt_assets
from assets.ingest import raw_tables, ssb_snapshot
from assets.postgres_marts import build_postgres_marts_asset
from assets.publish import build_publish_asset
from assets.quality import QUALITY_SENSORS, quality_report
from assets.reports import REPORT_ASSETS
from assets.submissions import submission_inbox
from checks.freshness import ssb_tables_current
from checks.gate import BLOCKING_CHECKS, published_marts
from pipeline.dbt_manifest import DBT_EXECUTABLE, dbt_project, mart_docs
from pipeline.jobs import build_nightly_schedule, nightly_refresh
from pipeline.resources import build_resources
from pipeline.sensors import process_submissions_job, submission_sensor
from pipeline.settings import Settings


def build_definitions(settings: Settings) -> dg.Definitions:
    project = dbt_project(settings.dbt_project_dir)
    dbt_assets = build_dbt_assets(project)
    marts = published_marts(project.manifest_path)
    publish = build_publish_asset(marts)
    # the marts in PostgreSQL too, only when a PostgreSQL URL is configured (off by default)
    postgres = [build_postgres_marts_asset(marts, mart_docs(project.manifest_path))] if settings.postgres_url else []
    return dg.Definitions(
        assets=[ssb_snapshot, submission_inbox, raw_tables, dbt_assets, publish, *postgres, quality_report,
                *REPORT_ASSETS],
        asset_checks=[*BLOCKING_CHECKS, ssb_tables_current],
        jobs=[nightly_refresh, process_submissions_job],
        sensors=[submission_sensor, *QUALITY_SENSORS],
        schedules=[build_nightly_schedule(settings.refresh_cron)],
        resources=build_resources(settings, DBT_EXECUTABLE),
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions(Settings.from_env())
