"""Publish the quality report of one finished run: collect it, write warehouse/quality/runs/<run_id>.{json,html}
and latest.{json,html}, promote the drift baseline when the run published, and record the `quality/report`
materialization (the Markdown table as metadata) in Dagster."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from checks.drift import promote_baseline, quality_dir
from pipeline.asset_keys import QUALITY_REPORT
from pipeline.paths import DBT_PROJECT_DIR, Home
from pipeline.quality.collect import collect
from pipeline.quality.model import QualityReport
from pipeline.quality.render import to_html, to_json, to_markdown

QUALITY_REPORT_KEY = QUALITY_REPORT


def report_dir(home: Home) -> Path:
    """warehouse/quality/: the reports (runs/, latest.*) beside the drift check's stats/ and baseline.json."""
    return quality_dir(home)


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_report(report: QualityReport, home: Home) -> dict[str, Path]:
    """JSON + HTML per run, and latest.* with this run's content."""
    base = report_dir(home)
    doc, page = to_json(report), to_html(report)
    paths = {"json": base / "runs" / f"{report.run_id}.json", "html": base / "runs" / f"{report.run_id}.html"}
    _write_atomic(paths["json"], doc)
    _write_atomic(paths["html"], page)
    _write_atomic(base / "latest.json", doc)
    _write_atomic(base / "latest.html", page)
    return paths


def publish_quality_report(instance: dg.DagsterInstance, run_id: str, home: Home,
                           dbt_project_dir: Path = DBT_PROJECT_DIR) -> QualityReport:
    """Collect, write HTML + JSON, promote the drift baseline (published runs), record the report in Dagster."""
    report = collect(instance, run_id, home, dbt_project_dir)
    paths = write_report(report, home)
    if report.published:
        promote_baseline(home, run_id)
    c = report.counts
    instance.report_runless_asset_event(dg.AssetMaterialization(
        asset_key=QUALITY_REPORT_KEY,
        description=f"quality report of run {run_id[:8]} ({report.status})",
        metadata={
            "run_id": dg.MetadataValue.text(run_id),
            "run_status": dg.MetadataValue.text(report.status),
            "published": dg.MetadataValue.bool(report.published),
            "checks_total": dg.MetadataValue.int(c["total"]),
            "checks_passed": dg.MetadataValue.int(c["passed"]),
            "checks_failed": dg.MetadataValue.int(c["failed"]),
            "checks_not_run": dg.MetadataValue.int(c["not run"]),
            "report": dg.MetadataValue.md(to_markdown(report)),
            "html": dg.MetadataValue.path(str(paths["html"])),
            "json": dg.MetadataValue.path(str(paths["json"])),
        }))
    return report
