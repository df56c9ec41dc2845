"""The data-quality report as a Dagster asset (recorded after each refresh, failed ones included).

`quality/report` is not computed by a step of the refresh: a failed blocking check skips every
downstream step, yet the report must still say what failed. It is written after the run ends, by
`pipeline.refresh.run_refresh` for in-process refreshes and by the sensors below for runs the daemon
launches (the schedule, the UI); either one records a materialization with the Markdown report.
"""

import dagster as dg

from pipeline.jobs import nightly_refresh
from pipeline.quality import QUALITY_REPORT_KEY, publish_quality_report, report_dir
from pipeline.resources import DataHome, ReferenceData

quality_report = dg.AssetSpec(
    QUALITY_REPORT_KEY, group_name="quality", owners=["team:data-engineering"], kinds={"html", "json"},
    description="Every check of the last refresh (GX suites, drift, Python checks, dbt tests): pass/fail, "
                "counts and failing examples. HTML + JSON in warehouse/quality/ beside the warehouse.",
)


def _report_once(context: dg.RunStatusSensorContext, data_home: DataHome,
                 reference: ReferenceData) -> dg.SkipReason | None:
    run_id = context.dagster_run.run_id
    h = data_home.home
    if (report_dir(h) / "runs" / f"{run_id}.json").exists():
        return dg.SkipReason(f"run {run_id[:8]} already has its quality report")
    report = publish_quality_report(context.instance, run_id, h, reference.project_dir)
    context.log.info(f"quality report of run {run_id[:8]}: {report.counts}")
    return None


@dg.run_status_sensor(run_status=dg.DagsterRunStatus.SUCCESS, monitored_jobs=[nightly_refresh],
                      name="quality_report_on_success", default_status=dg.DefaultSensorStatus.RUNNING)
def quality_report_on_success(context: dg.RunStatusSensorContext, data_home: DataHome,
                              reference: ReferenceData):
    return _report_once(context, data_home, reference)


@dg.run_status_sensor(run_status=dg.DagsterRunStatus.FAILURE, monitored_jobs=[nightly_refresh],
                      name="quality_report_on_failure", default_status=dg.DefaultSensorStatus.RUNNING)
def quality_report_on_failure(context: dg.RunStatusSensorContext, data_home: DataHome,
                              reference: ReferenceData):
    return _report_once(context, data_home, reference)


QUALITY_SENSORS = [quality_report_on_success, quality_report_on_failure]
