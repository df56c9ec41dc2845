"""The code location loads as `dagster dev` would load it, with the job, schedule, sensor and groups."""

from __future__ import annotations

import dagster as dg

from pipeline.definitions import defs


def test_code_location_loads() -> None:
    dg.Definitions.validate_loadable(defs)


def test_nightly_schedule_runs_at_two_oslo_time() -> None:
    schedule = defs.resolve_schedule_def("nightly_refresh_0200_oslo")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Europe/Oslo"
    assert schedule.job_name == "nightly_refresh"


def test_assets_grouped_by_layer() -> None:
    graph = defs.resolve_asset_graph()
    groups = {graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert {"ingest", "staging", "intermediate", "marts", "publish"} <= groups
    assert graph.get(dg.AssetKey(["marts", "goal_scores"])).group_name == "marts"
    assert graph.get(dg.AssetKey(["publish", "warehouse"])).group_name == "publish"
    # publish depends on every mart, so it only runs when all of them (and their blocking checks) succeeded
    parents = graph.get(dg.AssetKey(["publish", "warehouse"])).parent_keys
    assert dg.AssetKey(["marts", "goal_scores"]) in parents


def test_submission_sensor_is_defined() -> None:
    sensor = defs.resolve_sensor_def("submission_sensor")
    assert sensor.job_name == "process_submissions"
