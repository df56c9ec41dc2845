"""The Dagster code location (loaded by workspace.yaml and by `kommune-sdg`)."""

from __future__ import annotations

import dagster as dg
from dagster_dbt import DbtCliResource

from assets.dbt import kommune_sdg_dbt
from assets.ingest import raw_tables
from assets.publish import published_warehouse
from assets.quality import QUALITY_SENSORS, quality_report
from assets.reports import REPORT_ASSETS
from assets.submissions import submission_inbox
from checks.blocking import goal_scores_complete_and_in_range, ssb_tables_cover_all_municipalities
from checks.quality_checks import QUALITY_CHECKS
from pipeline.dbt_manifest import DBT_EXECUTABLE, dbt_project
from pipeline.jobs import nightly_refresh, nightly_schedule
from pipeline.paths import home
from pipeline.sensors import process_submissions_job, submission_sensor

home()  # export an absolute KOMMUNE_SDG_HOME before dbt subprocesses read it

defs = dg.Definitions(
    assets=[submission_inbox, raw_tables, kommune_sdg_dbt, published_warehouse, quality_report,
            *REPORT_ASSETS],
    asset_checks=[ssb_tables_cover_all_municipalities, goal_scores_complete_and_in_range, *QUALITY_CHECKS],
    jobs=[nightly_refresh, process_submissions_job],
    sensors=[submission_sensor, *QUALITY_SENSORS],
    schedules=[nightly_schedule],
    resources={"dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)},
)
