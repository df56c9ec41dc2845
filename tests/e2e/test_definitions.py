"""The code location loads as `dagster dev` would load it, with the job, schedule, sensor and groups, and the
publish gate says in one place what blocks and what is published."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from checks.gate import BLOCKING_CHECKS, published_marts
from pipeline.asset_keys import PUBLISHED_WAREHOUSE, SSB_OBSERVATIONS, SSB_SNAPSHOT, mart
from pipeline.dbt_manifest import dbt_project
from pipeline.definitions import build_definitions
from pipeline.paths import DBT_PROJECT_DIR
from pipeline.settings import Settings


@pytest.fixture(scope="module")
def defs(tmp_path_factory: pytest.TempPathFactory) -> dg.Definitions:
    return build_definitions(Settings.for_home(tmp_path_factory.mktemp("defs_home")))


def test_code_location_loads(defs: dg.Definitions) -> None:
    dg.Definitions.validate_loadable(defs)


def test_workspace_entry_point_is_lazy_and_reads_settings_once(tmp_path: Path, monkeypatch) -> None:
    """workspace.yaml loads pipeline.definitions:defs, which builds from Settings.from_env() when called."""
    import pipeline.definitions as module

    seen: list[Settings] = []
    monkeypatch.setattr(module, "build_definitions", lambda s: seen.append(s) or dg.Definitions())
    monkeypatch.setenv("KOMMUNE_SDG_HOME", str(tmp_path))
    module.defs()
    assert [s.data_home for s in seen] == [tmp_path.resolve()]


def test_nightly_schedule_runs_at_two_oslo_time(defs: dg.Definitions) -> None:
    schedule = defs.resolve_schedule_def("nightly_refresh_schedule")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Europe/Oslo"
    assert schedule.job_name == "nightly_refresh"


def test_refresh_time_comes_from_the_settings(tmp_path: Path) -> None:
    settings = Settings.from_env({"KOMMUNE_SDG_HOME": str(tmp_path), "KOMMUNE_SDG_REFRESH_CRON": "30 3 * * 1-5"})
    schedule = build_definitions(settings).resolve_schedule_def("nightly_refresh_schedule")
    assert schedule.cron_schedule == "30 3 * * 1-5"
    with pytest.raises(ValueError, match="KOMMUNE_SDG_REFRESH_CRON='at two'"):
        build_definitions(Settings.for_home(tmp_path, refresh_cron="at two"))


def test_assets_grouped_by_layer(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    groups = {graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert {"ingest", "staging", "intermediate", "marts", "publish"} <= groups
    assert graph.get(mart("goal_scores")).group_name == "marts"
    assert graph.get(PUBLISHED_WAREHOUSE).group_name == "publish"
    # the snapshot is its own asset; the load step reads it
    assert SSB_SNAPSHOT in graph.get(SSB_OBSERVATIONS).parent_keys


def test_publish_depends_on_exactly_the_dbt_marts(defs: dg.Definitions) -> None:
    marts = published_marts(dbt_project(DBT_PROJECT_DIR).manifest_path)
    assert "goal_scores" in marts and "sdg_index" in marts
    assert all(not m.startswith(("stg_", "int_")) for m in marts)
    parents = defs.resolve_asset_graph().get(PUBLISHED_WAREHOUSE).parent_keys
    assert parents == {mart(m) for m in marts}


def test_every_blocking_python_check_is_listed_in_the_gate(defs: dg.Definitions) -> None:
    """No hidden gate: the blocking checks that are not dbt tests are exactly checks.gate.BLOCKING_CHECKS."""
    graph = defs.resolve_asset_graph()
    blocking = {k for k in graph.asset_check_keys if graph.get_check_spec(k).blocking}
    listed = {spec.key for c in BLOCKING_CHECKS for spec in c.check_specs}
    dbt_tests = {k for k in blocking if graph.get(k.asset_key).group_name in ("staging", "intermediate", "marts",
                                                                                "reference")} - listed
    assert blocking - dbt_tests == listed
    assert all(spec.blocking for c in BLOCKING_CHECKS for spec in c.check_specs)


def test_submission_sensor_is_defined(defs: dg.Definitions) -> None:
    sensor = defs.resolve_sensor_def("submission_sensor")
    assert sensor.job_name == "process_submissions"
