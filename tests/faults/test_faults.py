"""Fault tests: each fault ends in a failed run with a clear reason or a successful retry, and the
published warehouse is byte-for-byte unchanged by every failed run. Real refreshes (Dagster + dbt +
DuckDB files), the real SSB client against the local PxWebApi test server, a real SIGKILL.

One module-scoped lab (one baseline publish) is shared; the SIGKILL recovery refresh doubles as the
refresh the four readers watch, so the module costs about four full refreshes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.paths import REPO_ROOT
from pipeline.quality import report_dir
from testkit.faults.diskfull import DISK_FAULTS
from testkit.faults.intake import INTAKE_FAULTS
from testkit.faults.lab import Lab, Outcome, marts_state
from testkit.faults.scenarios import SNAPSHOT_FAULTS, SSB_FAULTS, sigkill_during_dbt, submission_breaks_mart
from testkit.shared_demo import PublishedDemo, copy_home

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def lab(published_demo: PublishedDemo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A lab on a copy of the run's shared demo refresh (its baseline publish)."""
    root = tmp_path_factory.mktemp("fault_lab")
    copy_home(published_demo, root / "home")
    lab = Lab(root / "home")
    assert lab.ensure_published() is None  # published already: no refresh here
    yield lab


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


# ---------------------------------------------------------------- SIGKILL + readers during a refresh

READERS = 4


@pytest.fixture(scope="module")
def killed_then_refreshed_with_readers(lab: Lab, tmp_path_factory: pytest.TempPathFactory):
    """SIGKILL a refresh during dbt, then run the next refresh while four reader processes query the
    published warehouse read-only in a loop."""
    work = tmp_path_factory.mktemp("readers")
    old_run, old_sum = marts_state(lab.published)
    stop = work / "stop"
    env = os.environ | {"PYTHONPATH": str(REPO_ROOT)}
    readers = [subprocess.Popen([sys.executable, "-m", "testkit.faults.reader", str(lab.published), str(stop),
                                 str(work / f"reader{i}.jsonl")], cwd=REPO_ROOT, env=env) for i in range(READERS)]
    try:
        outcome = sigkill_during_dbt(lab, work)
    finally:
        stop.touch()
        codes = [r.wait(timeout=120) for r in readers]
    samples = [[json.loads(line) for line in (work / f"reader{i}.jsonl").read_text().splitlines()]
               for i in range(READERS)]
    new_run, new_sum = marts_state(lab.published)
    return outcome, samples, codes, (old_run, old_sum), (new_run, new_sum)


def test_sigkill_midway_then_next_refresh_succeeds(killed_then_refreshed_with_readers) -> None:
    o, *_ = killed_then_refreshed_with_readers
    assert o.extra["killed_in_dbt"], "the refresh was not killed while dbt ran"
    assert o.published_unchanged, "the killed refresh changed the published warehouse"
    assert o.result == "succeeded", o.reason
    assert o.extra["stale_removed"]


def test_four_readers_see_old_or_new_marts_never_a_mix(killed_then_refreshed_with_readers) -> None:
    o, samples, codes, (old_run, old_sum), (new_run, new_sum) = killed_then_refreshed_with_readers
    assert codes == [0] * READERS
    errors = [s for per in samples for s in per if "error" in s]
    assert not errors, errors[:5]
    assert all(len(per) > 10 for per in samples), [len(p) for p in samples]
    assert new_run == o.extra["run_id"] != old_run
    seen: dict[str, set[str]] = {}
    for per in samples:
        for s in per:
            seen.setdefault(s["run_id"], set()).add(s["checksum"])
    assert set(seen) <= {old_run, new_run}
    assert seen[old_run] == {old_sum}
    assert seen.get(new_run, {new_sum}) == {new_sum}  # marts of the new run only ever with its run_id
    runs_in_order = [[s["run_id"] for s in per] for per in samples]
    for order in runs_in_order:  # once a reader saw the new marts it never sees the old ones again
        if new_run in order:
            assert old_run not in order[order.index(new_run):]


# ---------------------------------------------------------------- inbox intake and disk-full faults

def test_a_file_being_copied_in_is_taken_only_whole(lab: Lab, tmp_path: Path) -> None:
    o = INTAKE_FAULTS["inbox_half_written"](lab, tmp_path)
    assert o.ok and o.published_unchanged, o
    assert "taken while being written: 0" in o.reason and "settle period of 1 s" in o.reason, o.reason


def test_a_flood_of_files_is_stopped_at_the_daily_limit(lab: Lab, tmp_path: Path) -> None:
    o = INTAKE_FAULTS["inbox_daily_limit"](lab, tmp_path)
    assert o.ok, o
    assert o.extra == {"taken": 10, "over": 2, "unread": True}
    assert "10 files per municipality per day" in o.reason and "4601/flood_1" in o.reason, o.reason


@pytest.mark.parametrize("name", list(DISK_FAULTS))
def test_disk_full_fails_clearly_then_the_next_refresh_succeeds(lab: Lab, tmp_path: Path, name: str) -> None:
    """A real size-limited tmpfs (root needed: without it the scenario raises MountError and this test fails)."""
    o = DISK_FAULTS[name](lab, tmp_path)
    assert o.extra["failed_ok"], o
    assert o.published_unchanged, "the failed refresh changed the published warehouse"
    assert "disk space" in o.reason, o.reason
    assert o.extra["retry_ok"], o.notes
    assert o.extra["leftovers"] == [], o.extra
    if "direct" in o.extra:  # DuckDB's own ENOSPC while writing, turned into the clear message
        assert o.extra["direct"].startswith("out of disk space while writing"), o.extra["direct"]
    if "exports_intact" in o.extra:
        assert o.extra["exports_intact"]
    if "build_left" in o.extra:  # the half-built database was removed to give the space back
        assert "kommune_sdg_build.duckdb" not in o.extra["build_left"], o.extra["build_left"]
