"""The quality report as JSON (the whole report), HTML (a Jinja page, styled like the public report in
pipeline/reports/) and Markdown (the table recorded as Dagster metadata of `quality/report`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jinja2

from pipeline.quality.model import QualityReport
from pipeline.reports.build import STATIC_DIR as REPORT_STATIC_DIR

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
# The public report's stylesheet, then the quality report's own rules; inlined, so that one .html file
# (latest.html, runs/<run_id>.html) opens anywhere without an assets folder beside it.
STYLESHEETS = (REPORT_STATIC_DIR / "report.css", PACKAGE_DIR / "static" / "quality.css")


def to_json(report: QualityReport) -> str:
    return json.dumps(report.as_dict(), indent=1, default=str)


def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True,
                              trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)


def to_html(report: QualityReport) -> str:
    css = "\n".join(p.read_text(encoding="utf-8") for p in STYLESHEETS)
    return _environment().get_template("report.html.j2").render(r=report, counts=report.counts, css=css)


def _cell(text: Any) -> str:
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def to_markdown(report: QualityReport, max_passed: int = 400) -> str:
    c = report.counts
    lines = [f"**Run {report.run_id[:8]}: {report.status}**, {'published' if report.published else 'NOT published'}"
             f" (source {report.source or '?'})",
             "",
             f"Checks: {c['total']} total, {c['passed']} passed, {c['failed']} failed "
             f"({c['failed_blocking']} blocking), {c['not run']} not run.", ""]
    if report.failures:
        lines += ["Failures:", ""] + [f"- {_cell(f)[:500]}" for f in report.failures] + [""]
    lines += ["| status | severity | kind | asset | check | failing | detail / examples |",
              "|---|---|---|---|---|---|---|"]
    shown = 0
    for r in report.checks:
        if r.status == "passed":
            shown += 1
            if shown > max_passed:
                continue
        detail = "<br>".join(_cell(e)[:200] for e in r.examples) if r.examples else _cell(r.description)[:200]
        lines.append(f"| {r.status} | {r.severity}{' blocking' if r.blocking else ''} | {r.kind} | {r.asset} | "
                     f"{r.check} | {'' if r.failed_count is None else r.failed_count} | {detail} |")
    if shown > max_passed:
        lines.append(f"\n({shown - max_passed} more passed checks in the JSON report)")
    return "\n".join(lines)
