"""Run the nightly refresh in this process against the persistent Dagster instance, and summarise it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from pipeline.jobs import nightly_refresh
from pipeline.paths import Home
from pipeline.settings import Settings
from pipeline.sources import Source


@dataclass
class RefreshSummary:
    success: bool
    run_id: str
    published_db: str
    rows: dict[str, int] = field(default_factory=dict)
    checks_passed: list[str] = field(default_factory=list)
    checks_failed: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


DAGSTER_YAML = """\
# Written by kommune-sdg. Run history and event logs: SQLite in this folder (use dagster-postgres for a
# shared deployment). One refresh at a time: they all write the same build database.
telemetry:
  enabled: false
run_queue:
  tag_concurrency_limits:
    - key: "kommune_sdg/warehouse"
      limit: 1
"""


def dagster_home(settings: Settings) -> Path:
    """The settings' Dagster home (DAGSTER_HOME, else KOMMUNE_SDG_HOME/dagster_home), with a dagster.yaml
    written once."""
    path = settings.dagster_home
    path.mkdir(parents=True, exist_ok=True)
    config = path / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML, encoding="utf-8")
    return path


def _settings(where: Settings | Home) -> Settings:
    return where if isinstance(where, Settings) else Settings.for_home(where.root)


def instance_for(where: Settings | Home) -> dg.DagsterInstance:
    """The persistent Dagster instance (run history survives restarts)."""
    settings = _settings(where)
    settings.home.ensure()
    return dg.DagsterInstance.from_config(str(dagster_home(settings)))


def refresh_run_config(source: Source, force: bool) -> dict:
    """Run config of `nightly_refresh`: which snapshot to read, and whether to rebuild when nothing changed."""
    from assets.ingest import raw_tables, ssb_snapshot  # noqa: PLC0415

    return {"ops": {ssb_snapshot.op.name: {"config": {"source": str(source)}},
                    raw_tables.op.name: {"config": {"force": force}}},
            "loggers": {"console": {"config": {"log_level": "INFO"}}}}


def run_refresh(where: Settings | Home, source: Source | str, instance: dg.DagsterInstance | None = None,
                force: bool = False, selection: dg.AssetSelection | None = None) -> RefreshSummary:
    """The nightly refresh, in this process, with the resources of `where` (Settings, or a Home with
    default settings): tests and benchmarks pass their own settings instead of setting the environment.
    `selection` runs part of the job (its checks included), as Dagster's own asset selection does."""
    from pipeline.definitions import build_definitions  # noqa: PLC0415 (loading dbt's manifest is slow)

    settings = _settings(where)
    home = settings.home.ensure()
    source = Source.parse(source)
    instance = instance or instance_for(settings)
    if source.kind == "demo":
        from pipeline.demo.submission import ensure_demo_submission  # noqa: PLC0415

        ensure_demo_submission(home)
    defs = build_definitions(settings)
    if selection is not None:
        part = dg.define_asset_job("nightly_refresh", selection=selection, executor_def=nightly_refresh.executor_def,
                                   tags=nightly_refresh.tags)
        defs = dg.Definitions(assets=defs.assets, asset_checks=defs.asset_checks, jobs=[part],
                              resources=defs.resources)
    job = defs.resolve_job_def("nightly_refresh")
    result = job.execute_in_process(
        instance=instance, raise_on_error=False, run_config=refresh_run_config(source, force),
        tags={"kommune_sdg/source": str(source)},
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
            from pipeline.quality.collect import error_message  # noqa: PLC0415

            summary.failures.append(f"step {event.step_key}: {error_message(event.step_failure_data.error)}")
    _write_quality_report(instance, result.run_id, settings)
    if summary.success:
        _prune(instance, settings)
    return summary


def _prune(instance: dg.DagsterInstance, settings: Settings) -> None:
    """The retention policy after a successful refresh (pipeline.retention); never changes its outcome."""
    from pipeline.retention import prune  # noqa: PLC0415
    from pipeline.retention_cli import policy_of  # noqa: PLC0415

    try:
        prune(settings.home, policy_of(settings), instance)
    except Exception as exc:  # noqa: BLE001 - a pruning failure must not turn a good refresh into a bad one
        import sys  # noqa: PLC0415

        print(f"warning: retention could not prune: {exc!r}", file=sys.stderr)


def _write_quality_report(instance: dg.DagsterInstance, run_id: str, settings: Settings) -> None:
    """The data-quality report of the run (warehouse/quality/); never changes the refresh's outcome."""
    from pipeline.quality import publish_quality_report  # noqa: PLC0415

    try:
        publish_quality_report(instance, run_id, settings.home, settings.dbt_project_dir)
    except Exception as exc:  # noqa: BLE001 - a report failure must not turn a good refresh into a bad one
        import sys  # noqa: PLC0415

        print(f"warning: could not write the quality report of run {run_id}: {exc!r}", file=sys.stderr)
