"""Run the nightly refresh in this process against the persistent Dagster instance, and summarise it."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import dagster as dg

from pipeline.paths import Home


@dataclass
class RefreshSummary:
    success: bool
    run_id: str
    published_db: str
    rows: dict[str, int] = field(default_factory=dict)
    checks_passed: list[str] = field(default_factory=list)
    checks_failed: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def instance_for(home: Home) -> dg.DagsterInstance:
    """The persistent instance under KOMMUNE_SDG_HOME/dagster_home (run history survives restarts)."""
    home.ensure()
    os.environ.setdefault("DAGSTER_HOME", str(home.dagster_home))
    return dg.DagsterInstance.get()


def run_refresh(home: Home, source: str, instance: dg.DagsterInstance | None = None) -> RefreshSummary:
    from pipeline.definitions import defs  # noqa: PLC0415 (loading dbt's manifest is slow; only when needed)

    instance = instance or instance_for(home)
    job = defs.resolve_job_def("nightly_refresh")
    result = job.execute_in_process(
        instance=instance, raise_on_error=False,
        run_config={"ops": {"raw_tables": {"config": {"source": source}}}},
        tags={"kommune_sdg/source": source},
    )
    summary = RefreshSummary(success=result.success, run_id=result.run_id, published_db=str(home.published_db))
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            mat = event.step_materialization_data.materialization
            rows = mat.metadata.get("rows") or mat.metadata.get("dagster/row_count")
            if rows is not None:
                summary.rows[mat.asset_key.to_user_string()] = int(rows.value)
        elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            ev = event.event_specific_data
            name = f"{ev.asset_key.to_user_string()}:{ev.check_name}"
            if ev.passed:
                summary.checks_passed.append(name)
            else:
                desc = ev.description or ""
                summary.checks_failed.append(f"{name} ({ev.severity.value}) {desc}".strip())
        elif event.event_type == dg.DagsterEventType.STEP_FAILURE:
            err = event.step_failure_data.error
            message = err.message.strip() if err else "unknown error"
            cause = err.cause
            while cause is not None:
                message = cause.message.strip()
                cause = cause.cause
            summary.failures.append(f"step {event.step_key}: {message}")
    return summary
