"""The data-quality report of one refresh: every asset check (GX suites, drift, Python checks, dbt tests),
pass/fail, counts and failing examples, read from the run's event log after the run ended.

Written beside the warehouse as warehouse/quality/runs/<run_id>.{json,html} and latest.{json,html}, and
recorded in Dagster as a materialization of the `quality/report` asset with the Markdown table as
metadata (so it shows in the UI for failed runs too, where no asset of the run could carry it).

- model.py: the report as dataclasses (QualityReport, CheckRow)
- collect.py: read one run (event log, dbt run_results, failing rows); `error_message`
- render.py: JSON, HTML (templates/, static/), Markdown
- publish.py: write the files, promote the drift baseline, record `quality/report`
"""

from pipeline.quality.collect import collect, error_message
from pipeline.quality.model import CheckRow, QualityReport
from pipeline.quality.publish import QUALITY_REPORT_KEY, publish_quality_report, report_dir

__all__ = ["QUALITY_REPORT_KEY", "CheckRow", "QualityReport", "collect", "error_message",
           "publish_quality_report", "report_dir"]
