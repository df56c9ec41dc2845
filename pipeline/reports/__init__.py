"""Static HTML report (index + one page per municipality) built from the published warehouse."""

from pipeline.reports.build import ReportResult, build_report

__all__ = ["ReportResult", "build_report"]
