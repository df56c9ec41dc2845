"""Fault tests: each fault ends in a failed run with a clear reason or a successful retry, and the
published warehouse is byte-for-byte unchanged by every failed run. Real refreshes (Dagster + dbt +
DuckDB files), the real SSB client against the local PxWebApi test server.

The module's lab (tests/faults/conftest.py) is a copy of the run's shared demo refresh; the SIGKILL and
disk-full faults have modules (and labs) of their own, so the workers run them side by side.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.quality import report_dir
from testkit.faults.intake import INTAKE_FAULTS
from testkit.faults.lab import Lab, Outcome
from testkit.faults.scenarios import SNAPSHOT_FAULTS, SSB_FAULTS, submission_breaks_mart

pytestmark = pytest.mark.slow


def _report(lab: Lab, run_id: str) -> dict:
    return json.loads((report_dir(lab.home) / "runs" / f"{run_id}.json").read_text())


@pytest.mark.parametrize(("name", "needle"), [
    ("snapshot_corrupt_bytes", "content hash does not match"),
    ("snapshot_half_written", "content hash does not match"),
    ("snapshot_missing_file", "is missing"),
    ("snapshot_manifest_cut", "manifest is not valid JSON"),
    ("schema_region_renamed", "no dimension 'Region'"),
])
def test_broken_snapshot_fails_in_ingest(lab: Lab, tmp_path: Path, name: str, needle: str) -> None:
    o: Outcome = SNAPSHOT_FAULTS[name](lab, tmp_path)
    assert o.result == "failed" and o.published_unchanged, o
    assert needle in o.reason, o.reason
    assert o.ok


@pytest.mark.parametrize(("name", "check", "needle"), [
    ("schema_dimension_added", "gx_ssb_06944", "Kjonn=0"),
    ("values_all_null", "gx_ssb_10540", "expect_column_values_to_not_be_null"),
])
def test_bad_values_are_stopped_by_blocking_gx_checks(lab: Lab, tmp_path: Path, name: str, check: str,
                                                      needle: str) -> None:
    o = SNAPSHOT_FAULTS[name](lab, tmp_path)
    assert o.result == "failed" and o.published_unchanged, o
    assert check in o.reason and needle in o.reason, o.reason
    report = _report(lab, o.extra["run_id"])
    failed = {c["check"]: c for c in report["checks"] if c["status"] == "failed"}
    assert check in failed
    assert failed[check]["severity"] == "ERROR" and failed[check]["examples"]
    assert not report["published"]
    not_run = {c["kind"] for c in report["checks"] if c["status"] == "not run"}
    assert "dbt test" in not_run  # dbt never ran: its tests are listed as not run
    assert (report_dir(lab.home) / "runs" / f"{o.extra['run_id']}.html").exists()


@pytest.mark.parametrize("name", ["ssb_429", "ssb_503", "ssb_timeout", "ssb_truncated_body"])
def test_transient_ssb_faults_are_retried(lab: Lab, tmp_path: Path, name: str) -> None:
    o = SSB_FAULTS[name](lab, tmp_path)
    assert o.result == "succeeded", o
    assert o.extra["retries"] >= 1 and o.extra["identical"], o
    assert o.published_unchanged


def test_changed_table_structure_drops_that_table_and_the_fetch_goes_on(lab: Lab, tmp_path: Path) -> None:
    o = SSB_FAULTS["ssb_region_renamed"](lab, tmp_path)
    assert o.result == "dropped" and o.ok, o
    assert "KOKkommuneregion0000" in o.reason and "10540" in o.reason, o.reason
    assert o.notes == "snapshot written without the table"


@pytest.mark.parametrize(("name", "needle"), [
    ("ssb_503_persistent", "503"),
    ("ssb_all_null", "missing"),
])
def test_permanent_ssb_faults_fail_without_a_snapshot(lab: Lab, tmp_path: Path, name: str, needle: str) -> None:
    o = SSB_FAULTS[name](lab, tmp_path)
    assert o.result == "failed" and o.published_unchanged, o
    assert needle in o.reason and "10540" in o.reason, o.reason
    assert o.notes == "no snapshot manifest written"


def test_submission_that_passes_the_validator_but_breaks_a_mart_test(lab: Lab, tmp_path: Path) -> None:
    """Today's validator refuses -5 open datasets (U4SSC range); a value stored under an earlier validator is
    still stopped by the blocking mart test, and nothing is published."""
    o = submission_breaks_mart(lab, tmp_path)
    assert o.extra["validator_refuses"] and o.extra["stored"], o.notes
    assert o.result == "failed" and o.published_unchanged, o
    assert "share_of_benchmark" in o.reason, o.reason
    report = _report(lab, o.extra["run_id"])
    assert any("share_of_benchmark" in f for f in report["failures"])
    failed = {c["check"]: c for c in report["checks"] if c["status"] == "failed"}
    assert failed["gx_submissions_plausible"]["severity"] == "WARN"  # warned, did not block
    assert "-5" in " ".join(failed["gx_submissions_plausible"]["examples"])
    assert not report["published"]

# ---------------------------------------------------------------- inbox intake faults

def test_a_file_being_copied_in_is_taken_only_whole(lab: Lab, tmp_path: Path) -> None:
    o = INTAKE_FAULTS["inbox_half_written"](lab, tmp_path)
    assert o.ok and o.published_unchanged, o
    assert "taken while being written: 0" in o.reason and "settle period of 1 s" in o.reason, o.reason


def test_a_flood_of_files_is_stopped_at_the_daily_limit(lab: Lab, tmp_path: Path) -> None:
    o = INTAKE_FAULTS["inbox_daily_limit"](lab, tmp_path)
    assert o.ok, o
    assert o.extra == {"taken": 10, "over": 2, "unread": True}
    assert "10 files per municipality per day" in o.reason and "4601/flood_1" in o.reason, o.reason
