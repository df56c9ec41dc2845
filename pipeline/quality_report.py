"""The data-quality report of one refresh: every asset check (GX suites, drift, Python checks, dbt tests),
pass/fail, counts and failing examples, read from the run's event log after the run ended.

Written beside the warehouse as warehouse/quality/runs/<run_id>.{json,html} and latest.{json,html}, and
recorded in Dagster as a materialization of the `quality/report` asset with the Markdown table as
metadata (so it shows in the UI for failed runs too, where no asset of the run could carry it).
"""

from __future__ import annotations

import html
import json
import os
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from pipeline.paths import DBT_PROJECT_DIR, Home

QUALITY_REPORT_KEY = dg.AssetKey(["quality", "report"])
PUBLISH_KEY = dg.AssetKey(["publish", "warehouse"])
MAX_EXAMPLES = 5


@dataclass
class CheckRow:
    asset: str
    check: str
    kind: str  # "dbt test" | "GX suite" | "drift" | "python"
    status: str  # "passed" | "failed" | "not run"
    severity: str
    blocking: bool | None
    description: str = ""
    failed_count: int | None = None
    examples: list[str] = field(default_factory=list)


@dataclass
class QualityReport:
    run_id: str
    job: str
    status: str
    started_at: str | None
    finished_at: str | None
    published: bool
    source: str
    checks: list[CheckRow] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    generated_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    @property
    def counts(self) -> dict[str, int]:
        out = {"total": len(self.checks), "passed": 0, "failed": 0, "not run": 0, "failed_blocking": 0}
        for c in self.checks:
            out[c.status] += 1
            if c.status == "failed" and c.severity == "ERROR" and c.blocking:
                out["failed_blocking"] += 1
        return out

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["counts"] = self.counts
        return d


def _plain(value: Any) -> Any:
    """A MetadataValue as a JSON-able value."""
    return getattr(value, "value", value)


def _ts(t: float | None) -> str | None:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="seconds") if t else None


PYTHON_ASSET_PREFIXES = ("raw/", "publish/", "quality/", "submissions/")
PYTHON_CHECKS = {"ssb_tables_cover_all_municipalities", "goal_scores_complete_and_in_range"}
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _kind(asset: str, check: str, metadata: dict[str, Any]) -> str:
    if "invocation_id" in metadata or "unique_id" in metadata:
        return "dbt test"
    if check.startswith("gx_"):
        return "GX suite"
    if check.startswith("drift_"):
        return "drift"
    if check in PYTHON_CHECKS or asset.startswith(PYTHON_ASSET_PREFIXES):
        return "python"
    return "dbt test"


def error_message(err: Any) -> str:
    """The first error in the chain that is not Dagster's own wrapper (it names the file, table or test)."""
    chain = []
    while err is not None:
        chain.append(err)
        err = err.cause
    for e in chain:
        if not (e.cls_name or "").startswith(("DagsterExecution", "DagsterUserCode")):
            msg = e.message.strip()
            return msg if not e.cls_name or e.cls_name in msg else f"{e.cls_name}: {msg}"
    return chain[-1].message.strip() if chain else "unknown error"


def _dbt_compiled_tests(run_id: str) -> dict[str, str]:
    """unique_id -> compiled SQL of the tests dbt ran in this run (dagster-dbt's per-run target dir)."""
    out: dict[str, str] = {}
    for rr in (DBT_PROJECT_DIR / "target").glob(f"*-{run_id[:7]}-*/run_results.json"):
        try:
            doc = json.loads(rr.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        for r in doc.get("results", []):
            if r.get("unique_id", "").startswith("test.") and r.get("compiled_code"):
                out[r["unique_id"]] = r["compiled_code"]
    return out


def _dbt_examples(home: Home, sql: str) -> list[str]:
    """A few failing rows of a dbt test, from the build database the run left behind (read-only)."""
    if not home.build_db.exists():
        return []
    try:
        con = duckdb.connect(str(home.build_db), read_only=True)
    except duckdb.Error:
        return []
    try:
        cur = con.execute(f"select * from ({sql}) as failing limit {MAX_EXAMPLES}")
        cols = [d[0] for d in cur.description]
        return [", ".join(f"{c}={v}" for c, v in zip(cols, row, strict=True)) for row in cur.fetchall()]
    except duckdb.Error as exc:
        return [f"(could not fetch failing rows: {str(exc).splitlines()[0][:160]})"]
    finally:
        con.close()


def _gx_examples(metadata: dict[str, Any]) -> tuple[int | None, list[str]]:
    failures = metadata.get("failures") or []
    if not failures:
        return None, []
    count = sum(int(f.get("unexpected_count") or 0) for f in failures)
    lines = []
    for f in failures:
        ex = ", ".join(f.get("examples") or [])
        col = f" {f['column']}" if f.get("column") else ""
        lines.append(f"{f['expectation']}{col}: {f.get('unexpected_count', 0)} rows"
                     + (f" ({f['detail']})" if f.get("detail") else "") + (f" e.g. {ex}" if ex else ""))
    return count, lines[:MAX_EXAMPLES]


def collect(instance: dg.DagsterInstance, run_id: str, home: Home) -> QualityReport:
    """Build the report of one finished run from its event log."""
    run = instance.get_run_by_id(run_id)
    stats = instance.get_run_stats(run_id)
    types = {dg.DagsterEventType.ASSET_CHECK_EVALUATION, dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED,
             dg.DagsterEventType.STEP_FAILURE, dg.DagsterEventType.ASSET_MATERIALIZATION,
             dg.DagsterEventType.RUN_FAILURE}
    planned: dict[tuple[str, str], None] = {}
    evaluated: dict[tuple[str, str], Any] = {}
    failures: list[str] = []
    rows: dict[str, int] = {}
    published = False
    for entry in instance.all_logs(run_id, of_type=types):
        ev = entry.dagster_event
        if ev is None:
            continue
        data = ev.event_specific_data
        if ev.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED:
            planned[(data.asset_key.to_user_string(), data.check_name)] = None
        elif ev.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluated[(data.asset_key.to_user_string(), data.check_name)] = data
        elif ev.event_type == dg.DagsterEventType.STEP_FAILURE:
            msg = error_message(data.error)
            failures.append(f"step {ev.step_key}: {ANSI.sub('', msg)}")
        elif ev.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            mat = data.materialization
            if mat.asset_key == PUBLISH_KEY:
                published = True
            n = mat.metadata.get("rows") or mat.metadata.get("dagster/row_count")
            if n is not None:
                rows[mat.asset_key.to_user_string()] = int(_plain(n))
        elif ev.event_type == dg.DagsterEventType.RUN_FAILURE and ev.message and not failures:
            failures.append(ev.message)
    compiled = None
    checks: list[CheckRow] = []
    for key in list(planned) + [k for k in evaluated if k not in planned]:
        asset, name = key
        data = evaluated.get(key)
        if data is None:
            checks.append(CheckRow(asset, name, _kind(asset, name, {}), "not run", "", None,
                                   "not evaluated: an upstream step failed or a blocking check stopped the run"))
            continue
        md = {k: _plain(v) for k, v in data.metadata.items()}
        kind = _kind(asset, name, md)
        row = CheckRow(asset, name, kind, "passed" if data.passed else "failed", data.severity.value,
                       data.blocking, data.description or "")
        if not data.passed:
            if kind == "dbt test":
                row.failed_count = md.get("dagster_dbt/failed_row_count")
                if compiled is None:
                    compiled = _dbt_compiled_tests(run_id)
                sql = compiled.get(str(md.get("unique_id", "")))
                row.examples = _dbt_examples(home, sql) if sql else []
            else:
                row.failed_count, row.examples = _gx_examples(md)
                if not row.examples and row.description:
                    row.examples = [row.description[:300]]
        checks.append(row)
    checks.sort(key=lambda c: ({"failed": 0, "not run": 1, "passed": 2}[c.status], c.asset, c.check))
    return QualityReport(
        run_id=run_id, job=run.job_name if run else "", status=run.status.value if run else "UNKNOWN",
        started_at=_ts(getattr(stats, "start_time", None)), finished_at=_ts(getattr(stats, "end_time", None)),
        published=published, source=(run.tags.get("kommune_sdg/source", "") if run else ""), checks=checks,
        failures=failures, rows=rows)


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


def to_html(report: QualityReport) -> str:
    c = report.counts
    esc = html.escape
    colour = {"passed": "#e6f4ea", "failed": "#fce8e6", "not run": "#fef7e0"}
    rows = []
    for r in report.checks:
        ex = "<br>".join(esc(e) for e in r.examples) or esc(r.description)
        rows.append(f'<tr style="background:{colour[r.status]}"><td>{esc(r.status)}</td>'
                    f"<td>{esc(r.severity)}{' blocking' if r.blocking else ''}</td><td>{esc(r.kind)}</td>"
                    f"<td>{esc(r.asset)}</td><td>{esc(r.check)}</td>"
                    f"<td>{'' if r.failed_count is None else r.failed_count}</td><td>{ex}</td></tr>")
    fails = "".join(f"<li>{esc(f)}</li>" for f in report.failures)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Data quality: run {esc(report.run_id[:8])}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;vertical-align:top;font-size:13px}}</style></head><body>
<h1>Data quality report</h1>
<p>Run <code>{esc(report.run_id)}</code> ({esc(report.job)}), status <b>{esc(report.status)}</b>,
{'published' if report.published else '<b>not published</b>'}; source {esc(report.source)};
started {esc(str(report.started_at))}, finished {esc(str(report.finished_at))}.</p>
<p>{c['total']} checks: {c['passed']} passed, {c['failed']} failed ({c['failed_blocking']} blocking),
{c['not run']} not run.</p>
{f'<h2>Failures</h2><ul>{fails}</ul>' if fails else ''}
<table><tr><th>status</th><th>severity</th><th>kind</th><th>asset</th><th>check</th><th>failing</th>
<th>detail / examples</th></tr>
{''.join(rows)}
</table></body></html>
"""


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def report_dir(home: Home) -> Path:
    return home.warehouse_dir / "quality"


def write_report(report: QualityReport, home: Home) -> dict[str, Path]:
    """JSON + HTML per run, and latest.* pointing at this run's content."""
    base = report_dir(home)
    doc = json.dumps(report.as_dict(), indent=1, default=str)
    page = to_html(report)
    paths = {"json": base / "runs" / f"{report.run_id}.json", "html": base / "runs" / f"{report.run_id}.html"}
    _write_atomic(paths["json"], doc)
    _write_atomic(paths["html"], page)
    _write_atomic(base / "latest.json", doc)
    _write_atomic(base / "latest.html", page)
    return paths


def promote_baseline(report: QualityReport, home: Home) -> bool:
    """After a publish, the stats this run's drift check saw become the baseline for the next run."""
    stats = report_dir(home) / "stats" / f"{report.run_id}.json"
    if not (report.published and stats.exists()):
        return False
    os.replace(stats, report_dir(home) / "baseline.json")
    for old in (report_dir(home) / "stats").glob("*.json"):  # stats of unpublished runs are never needed
        old.unlink(missing_ok=True)
    return True


def publish_quality_report(instance: dg.DagsterInstance, run_id: str, home: Home) -> QualityReport:
    """Collect, write HTML + JSON, promote the drift baseline, and record the report in Dagster."""
    report = collect(instance, run_id, home)
    paths = write_report(report, home)
    promote_baseline(report, home)
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
