"""The inbox sensor and the asset against a real (ephemeral) Dagster instance."""

from __future__ import annotations

import os

import dagster as dg

from assets.submissions import submission_inbox
from pipeline.sensors import process_submissions_job, submission_sensor
from pipeline.submissions.store import sha256
from tests.submissions.conftest import drop, resources, settle
from tests.submissions.corpus import HEADER, ROW_BB, ROW_NET, csv_bytes


def _tick(instance: dg.DagsterInstance, cursor: str | None, home) -> dg.SensorResult:
    ctx = dg.build_sensor_context(instance=instance, cursor=cursor, resources=resources(home))
    return submission_sensor(ctx)


def test_sensor_cursor_requests_one_run_per_new_file(home) -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        first = _tick(instance, None, home)
        assert not first.run_requests and first.skip_reason
        good = drop(home, "0301", "ok.csv", csv_bytes(HEADER, ROW_NET))
        drop(home, "0301", "~$ok.csv", b"lock file")  # ignored
        second = _tick(instance, first.cursor, home)
        assert [r.run_key for r in second.run_requests] == [f"{sha256(good.read_bytes())}@{good.stat().st_mtime_ns}"]
        assert second.run_requests[0].tags["kommune_sdg/municipality"] == "0301"
        # nothing new: skip, cursor unchanged
        third = _tick(instance, second.cursor, home)
        assert not third.run_requests and third.cursor == second.cursor
        # a second file: only it is requested
        other = drop(home, "1103", "stavanger.csv", csv_bytes(HEADER, ROW_BB.replace("0301", "1103")))
        fourth = _tick(instance, third.cursor, home)
        assert [r.tags["kommune_sdg/submission_file"] for r in fourth.run_requests] == ["1103/stavanger.csv"]
        # the same file rewritten with new content (new mtime) is a new version
        other.write_bytes(csv_bytes(HEADER, "1103;EC: ICT: ICT: 2C;2023;81;;"))
        os.utime(other, ns=(other.stat().st_atime_ns, other.stat().st_mtime_ns + 1_000_000))
        settle(other, ago_s=3000)  # written an hour ago: settled, and a different mtime than before
        fifth = _tick(instance, fourth.cursor, home)
        assert len(fifth.run_requests) == 1 and fifth.run_requests[0].run_key != fourth.run_requests[0].run_key


def test_sensor_run_processes_inbox_and_reports_metadata(home) -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        drop(home, "0301", "ok.csv", csv_bytes(HEADER, ROW_NET, ROW_BB))
        drop(home, "0301", "feil.csv", csv_bytes(HEADER, "0301;EC: ICT: ICT: 1C;2023;105;;"))
        result = _tick(instance, None, home)
        assert len(result.run_requests) == 2
        defs = dg.Definitions(assets=[submission_inbox], jobs=[process_submissions_job], sensors=[submission_sensor],
                              resources=resources(home))
        job = defs.resolve_job_def("process_submissions")
        run = job.execute_in_process(instance=instance, tags=result.run_requests[0].tags)
        assert run.success
        [mat] = run.asset_materializations_for_node("submission_inbox")
        md = mat.metadata
        assert md["files_accepted"].value == 1 and md["files_rejected"].value == 1
        assert md["rows_accepted"].value == 2 and md["errors"].value == 1
        assert "value.percent_range" in md["error_list"].value and "feil.csv" in md["error_list"].value
        assert list(home.inbox_dir.rglob("*.csv")) == []
        after = _tick(instance, result.cursor, home)
        assert not after.run_requests and after.cursor == "{}"
        # the materialization is recorded in the instance
        event = instance.get_latest_materialization_event(dg.AssetKey("submission_inbox"))
        assert event is not None


def test_materialize_asset_on_empty_inbox(home) -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        res = dg.materialize([submission_inbox], instance=instance, resources=resources(home))
        assert res.success
        [mat] = res.asset_materializations_for_node("submission_inbox")
        assert mat.metadata["files_accepted"].value == 0
        assert "tom" in mat.metadata["files"].value
