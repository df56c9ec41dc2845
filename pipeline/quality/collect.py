"""Read one finished run for its quality report: the check evaluations, step failures and row counts from
the Dagster event log, and for failed dbt tests a few failing rows (the test's compiled SQL from the run's
dbt run_results.json, run read-only against the build database the run left behind)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

# not exported by dagster; tests/quality/test_report.py covers its one use (_last_kind)
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from checks.kinds import CHECK_KIND_KEY, DBT, KINDS, UNKNOWN
from pipeline.asset_keys import PUBLISHED_WAREHOUSE
from pipeline.paths import DBT_PROJECT_DIR, Home
from pipeline.quality.model import KIND_LABELS, STATUS_ORDER, CheckRow, QualityReport

PUBLISH_KEY = PUBLISHED_WAREHOUSE
MAX_EXAMPLES = 5
ANSI = re.compile(r"\x1b\[[0-9;]*m")
NOT_RUN = "not evaluated: an upstream step failed or a blocking check stopped the run"


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


def _plain(value: Any) -> Any:
    """A MetadataValue as a JSON-able value."""
    return getattr(value, "value", value)


def _ts(t: float | None) -> str | None:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="seconds") if t else None


def kind_of(metadata: Mapping[str, Any]) -> str:
    """The check kind (checks/kinds.py) an evaluation's metadata declares, else UNKNOWN.

    Our own checks declare it under CHECK_KIND_KEY. dbt tests are recognised from what dagster-dbt puts on
    every test evaluation (dagster_dbt/core/dbt_cli_event.py): the dbt node's `unique_id` ("test.<project>.
    <name>...") together with the dbt `invocation_id`. Never from the check's or the asset's name.
    """
    declared = _plain(metadata.get(CHECK_KIND_KEY))
    if isinstance(declared, str) and declared in KINDS:
        return declared
    if str(_plain(metadata.get("unique_id")) or "").startswith("test.") and "invocation_id" in metadata:
        return DBT
    return UNKNOWN


def _last_kind(instance: dg.DagsterInstance, key: dg.AssetCheckKey) -> str:
    """The kind a check declared at its latest evaluation in any run (for a check this run did not
    evaluate: no metadata of its own); UNKNOWN when it was never evaluated."""
    done = {AssetCheckExecutionRecordStatus.SUCCEEDED, AssetCheckExecutionRecordStatus.FAILED}
    for record in instance.event_log_storage.get_asset_check_execution_history(key, limit=1, status=done):
        evaluation = record.evaluation
        if evaluation is not None:
            return kind_of(evaluation.metadata)
    return UNKNOWN


@dataclass
class _RunEvents:
    planned: dict[dg.AssetCheckKey, None] = field(default_factory=dict)  # ordered set
    evaluated: dict[dg.AssetCheckKey, Any] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    published: bool = False


def _run_events(instance: dg.DagsterInstance, run_id: str) -> _RunEvents:
    T = dg.DagsterEventType
    types = {T.ASSET_CHECK_EVALUATION, T.ASSET_CHECK_EVALUATION_PLANNED, T.STEP_FAILURE, T.ASSET_MATERIALIZATION,
             T.RUN_FAILURE}
    out = _RunEvents()
    for entry in instance.all_logs(run_id, of_type=types):
        ev = entry.dagster_event
        if ev is None:
            continue
        data = ev.event_specific_data
        if ev.event_type == T.ASSET_CHECK_EVALUATION_PLANNED:
            out.planned[dg.AssetCheckKey(data.asset_key, data.check_name)] = None
        elif ev.event_type == T.ASSET_CHECK_EVALUATION:
            out.evaluated[dg.AssetCheckKey(data.asset_key, data.check_name)] = data
        elif ev.event_type == T.STEP_FAILURE:
            out.failures.append(f"step {ev.step_key}: {ANSI.sub('', error_message(data.error))}")
        elif ev.event_type == T.ASSET_MATERIALIZATION:
            mat = data.materialization
            if mat.asset_key == PUBLISH_KEY:
                out.published = True
            n = mat.metadata.get("rows") or mat.metadata.get("dagster/row_count")
            if n is not None:
                out.rows[mat.asset_key.to_user_string()] = int(_plain(n))
        elif ev.event_type == T.RUN_FAILURE and ev.message and not out.failures:
            out.failures.append(ev.message)
    return out


def dbt_compiled_tests(run_id: str, dbt_project_dir: Path = DBT_PROJECT_DIR) -> dict[str, str]:
    """unique_id -> compiled SQL of the tests dbt ran in this run (dagster-dbt's per-run target dir)."""
    out: dict[str, str] = {}
    for rr in (dbt_project_dir / "target").glob(f"*-{run_id[:7]}-*/run_results.json"):
        try:
            doc = json.loads(rr.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        for r in doc.get("results", []):
            if r.get("unique_id", "").startswith("test.") and r.get("compiled_code"):
                out[r["unique_id"]] = r["compiled_code"]
    return out


def dbt_examples(home: Home, sql: str) -> list[str]:
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


def gx_examples(metadata: Mapping[str, Any]) -> tuple[int | None, list[str]]:
    """Failing-row count and one line per failed expectation, from a GX check's `failures` metadata."""
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


class _FailingRows:
    """Failing-row count and examples of a failed check; the run's compiled dbt tests read once, if needed."""

    def __init__(self, run_id: str, home: Home, dbt_project_dir: Path) -> None:
        self.run_id, self.home, self.dbt_project_dir = run_id, home, dbt_project_dir
        self._compiled: dict[str, str] | None = None

    def fill(self, row: CheckRow, kind: str, md: dict[str, Any]) -> None:
        if kind == DBT:
            row.failed_count = md.get("dagster_dbt/failed_row_count")
            if self._compiled is None:
                self._compiled = dbt_compiled_tests(self.run_id, self.dbt_project_dir)
            sql = self._compiled.get(str(md.get("unique_id", "")))
            row.examples = dbt_examples(self.home, sql) if sql else []
        else:
            row.failed_count, row.examples = gx_examples(md)
            if not row.examples and row.description:
                row.examples = [row.description[:300]]


def collect(instance: dg.DagsterInstance, run_id: str, home: Home,
            dbt_project_dir: Path = DBT_PROJECT_DIR) -> QualityReport:
    """Build the report of one finished run from its event log (and the dbt project's per-run target dirs)."""
    run = instance.get_run_by_id(run_id)
    stats = instance.get_run_stats(run_id)
    events = _run_events(instance, run_id)
    failing = _FailingRows(run_id, home, dbt_project_dir)
    checks: list[CheckRow] = []
    for key in list(events.planned) + [k for k in events.evaluated if k not in events.planned]:
        asset, name = key.asset_key.to_user_string(), key.name
        data = events.evaluated.get(key)
        if data is None:
            checks.append(CheckRow(asset, name, KIND_LABELS[_last_kind(instance, key)], "not run", "", None,
                                   NOT_RUN))
            continue
        md = {k: _plain(v) for k, v in data.metadata.items()}
        kind = kind_of(md)
        row = CheckRow(asset, name, KIND_LABELS[kind], "passed" if data.passed else "failed", data.severity.value,
                       data.blocking, data.description or "")
        if not data.passed:
            failing.fill(row, kind, md)
        checks.append(row)
    checks.sort(key=lambda c: (STATUS_ORDER[c.status], c.asset, c.check))
    return QualityReport(
        run_id=run_id, job=run.job_name if run else "", status=run.status.value if run else "UNKNOWN",
        started_at=_ts(getattr(stats, "start_time", None)), finished_at=_ts(getattr(stats, "end_time", None)),
        published=events.published, source=(run.tags.get("kommune_sdg/source", "") if run else ""),
        checks=checks, failures=events.failures, rows=events.rows)
