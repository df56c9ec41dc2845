"""Every fault we try, as a function Lab -> Outcome. Each ends in a failed run with a reason, or in a
successful retry; the published warehouse is compared byte for byte before and after.

Snapshot faults replay a broken snapshot directory through the real nightly job. SSB faults run the real
fetcher and client against the local PxWebApi v2 test server (testkit/pxweb_server.py) with injected
faults; a fetch that fails never writes a manifest, so no refresh can read half a snapshot.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from pipeline.paths import REPO_ROOT
from testkit.faults.diskfull import DISK_FAULTS
from testkit.faults.intake import INTAKE_FAULTS
from testkit.faults.lab import (
    Lab,
    Outcome,
    add_dimension,
    data_file,
    null_values,
    rename_dimension,
    rewrite_table,
    scale_values,
    sha256_file,
    summary_reason,
)

Scenario = Callable[[Lab, Path], Outcome]


def _refresh_fault(name: str, fault: str, prepare: Callable[[Path], None]) -> Scenario:
    """A snapshot-dir fault: copy the demo snapshot, break it, refresh from it."""
    def run(lab: Lab, work: Path) -> Outcome:
        snap = lab.copy_demo(work / name)
        prepare(snap)
        before = sha256_file(lab.published)
        t0 = time.monotonic()
        s = lab.refresh(f"snapshot:{snap}")
        return Outcome(name, fault, "fails", "succeeded" if s.success else "failed",
                       "" if s.success else summary_reason(s, lab.home), sha256_file(lab.published) == before,
                       seconds=time.monotonic() - t0, extra={"run_id": s.run_id})
    return run


def _flip_bytes(snap: Path) -> None:
    f = data_file(snap, "12241")
    data = bytearray(f.read_bytes())
    mid = len(data) // 2
    data[mid:mid + 8] = b"\x00garbage"
    f.write_bytes(bytes(data))


def _half_written(snap: Path) -> None:
    f = data_file(snap, "12241")
    f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])


def _missing(snap: Path) -> None:
    data_file(snap, "12241").unlink()


def _manifest_cut(snap: Path) -> None:
    m = snap / "manifest.json"
    m.write_bytes(m.read_bytes()[:200])


def _truncated_json_hash_ok(snap: Path) -> None:
    """A truncated body stored with its own hash (as a fetcher without length checks would)."""
    from pipeline.snapshot import sha256_bytes, write_manifest  # noqa: PLC0415

    f = data_file(snap, "10540")
    payload = f.read_bytes()[:3000]
    f.write_bytes(payload)
    manifest = json.loads((snap / "manifest.json").read_text())
    rel = manifest["tables"]["10540"]["data"][0]
    manifest["tables"]["10540"]["sha256"][rel] = sha256_bytes(payload)
    write_manifest(snap, manifest)


SNAPSHOT_FAULTS: dict[str, Scenario] = {
    "snapshot_corrupt_bytes": _refresh_fault("snapshot_corrupt_bytes", "data file of 12241 has 8 bytes overwritten",
                                             _flip_bytes),
    "snapshot_half_written": _refresh_fault("snapshot_half_written", "data file of 12241 cut to half its size",
                                            _half_written),
    "snapshot_missing_file": _refresh_fault("snapshot_missing_file", "data file of 12241 deleted", _missing),
    "snapshot_manifest_cut": _refresh_fault("snapshot_manifest_cut", "manifest.json cut after 200 bytes",
                                            _manifest_cut),
    "snapshot_truncated_json": _refresh_fault("snapshot_truncated_json",
                                              "10540 body truncated, manifest hash matching the truncated bytes",
                                              _truncated_json_hash_ok),
    "schema_region_renamed": _refresh_fault(
        "schema_region_renamed", "10540: dimension Region renamed to KOKkommuneregion0000",
        lambda s: rewrite_table(s, "10540", lambda d: rename_dimension(d, "Region", "KOKkommuneregion0000"))),
    "schema_dimension_renamed": _refresh_fault(
        "schema_dimension_renamed", "10540: dimension Alder renamed to Aldersgruppe",
        lambda s: rewrite_table(s, "10540", lambda d: rename_dimension(d, "Alder", "Aldersgruppe"))),
    "schema_dimension_added": _refresh_fault(
        "schema_dimension_added", "06944: new dimension Kjonn (one code) added",
        lambda s: rewrite_table(s, "06944", lambda d: add_dimension(d, "Kjonn", "0"))),
    "values_all_null": _refresh_fault("values_all_null", "10540: every value null",
                                      lambda s: rewrite_table(s, "10540", null_values)),
    "values_out_of_range": _refresh_fault("values_out_of_range", "10540: percentages x 100 (e.g. 210 %)",
                                          lambda s: rewrite_table(s, "10540", scale_values(100.0))),
    "values_total_drift": _refresh_fault("values_total_drift", "06944: every income x 1.8 (plausible, but +80 %)",
                                         lambda s: rewrite_table(s, "06944", scale_values(1.8))),
}


# ---------------------------------------------------------------- SSB API faults (test server)

SSB_TABLE = "10540"


def _ssb_fault(name: str, fault: str, expected: str, inject: Callable[[object], None]) -> Scenario:
    def run(lab: Lab, work: Path) -> Outcome:
        from pipeline.catalog import ssb_catalog  # noqa: PLC0415
        from pipeline.snapshot import open_snapshot  # noqa: PLC0415
        from pipeline.ssb.client import SsbClient  # noqa: PLC0415
        from pipeline.ssb.errors import SsbError  # noqa: PLC0415
        from pipeline.ssb.fetch import fetch_snapshot, latest_snapshot  # noqa: PLC0415
        from testkit.pxweb_server import PxWebTestServer  # noqa: PLC0415

        before = sha256_file(lab.published)
        snapshots = work / name / "snapshots"
        snapshots.mkdir(parents=True, exist_ok=True)
        server = PxWebTestServer(lab.home.demo_snapshot_dir, calls=1000, window_s=1.0)
        t0 = time.monotonic()
        with server as url:
            inject(server)
            client = SsbClient(url, backoff_base_s=0.05, backoff_cap_s=0.5, timeout=(2.0, 1.0), max_attempts=4,
                               log=lambda m: None)
            try:
                result = fetch_snapshot(ssb_catalog(), snapshots, url, client=client, log=lambda m: None,
                                        tables=[SSB_TABLE])
            except SsbError as exc:
                return Outcome(name, fault, expected, "failed", " ".join(str(exc).split())[:400],
                               sha256_file(lab.published) == before,
                               notes="no snapshot manifest written" if latest_snapshot(snapshots) is None else
                               "a snapshot was written", seconds=time.monotonic() - t0)
        if SSB_TABLE in result.dropped:  # the structure no longer matches the catalog: left out, the rest goes on
            return Outcome(name, fault, expected, "dropped",
                           " ".join(result.snapshot().dropped[SSB_TABLE]["reason"].split())[:400],
                           sha256_file(lab.published) == before, notes="snapshot written without the table",
                           seconds=time.monotonic() - t0)
        got = result.snapshot().read_table(SSB_TABLE).drop(columns=["source_file", "sha256"])
        want = open_snapshot(lab.home.demo_snapshot_dir).read_table(SSB_TABLE).drop(columns=["source_file", "sha256"])
        same = got.reset_index(drop=True).equals(want.reset_index(drop=True))
        return Outcome(name, fault, expected, "succeeded",
                       f"{result.retries} retries; fetched data {'identical to' if same else 'DIFFERS from'} "
                       "the fault-free table", sha256_file(lab.published) == before,
                       seconds=time.monotonic() - t0, extra={"retries": result.retries, "identical": same})
    return run


SSB_FAULTS: dict[str, Scenario] = {
    "ssb_429": _ssb_fault("ssb_429", "SSB answers 429 Too Many Requests (Retry-After: 1) twice", "retry succeeds",
                          lambda s: s.inject("status", 2, status=429, retry_after=1, path_contains="/data")),
    "ssb_503": _ssb_fault("ssb_503", "SSB answers 503 three times", "retry succeeds",
                          lambda s: s.inject("status", 3, status=503, path_contains="/data")),
    "ssb_timeout": _ssb_fault("ssb_timeout", "SSB stalls 3 s on a data request (read timeout 1 s)", "retry succeeds",
                              lambda s: s.inject("slow", 1, delay_s=3.0, path_contains="/data")),
    "ssb_truncated_body": _ssb_fault("ssb_truncated_body", "SSB sends half the body (full Content-Length)",
                                     "retry succeeds", lambda s: s.inject("truncate", 1, path_contains="/data")),
    "ssb_503_persistent": _ssb_fault("ssb_503_persistent", "SSB answers 503 on every attempt", "fails",
                                     lambda s: s.inject("status", 50, status=503, path_contains="/data")),
    "ssb_region_renamed": _ssb_fault(
        "ssb_region_renamed", "SSB renames dimension Region to KOKkommuneregion0000",
        "table dropped, rest goes on",
        lambda s: s.rename_dimension(SSB_TABLE, "Region", "KOKkommuneregion0000")),
    "ssb_all_null": _ssb_fault("ssb_all_null", "SSB returns the table with every value null", "fails",
                               lambda s: s.null_values(SSB_TABLE)),
}


# ---------------------------------------------------------------- submission + process faults

NEGATIVE_SUBMISSION = ("kommunenummer;indikator;år;verdi;enhet;kommentar\n"
                       "0301;open_data;2024;-5;antall datasett;fault test\n")


def submission_breaks_mart(lab: Lab, work: Path) -> Outcome:
    """A stored value that a mart test rejects (-5 open datasets: U4SSC share < 0).

    Today's validator refuses it (the U4SSC range of open_data, `value.out_of_range`): that is the first line.
    The accepted store keeps every file ever accepted, so a value stored under an earlier, looser validator
    (simulated here: the file checked as today, without its range finding, and stored through the intake's own
    code) must still be stopped by the second line, the blocking mart tests. The lab refreshes the demo, which
    loads the demo intake only: the (synthetic) file goes there."""
    import datetime as dt  # noqa: PLC0415

    from pipeline.submissions.process import _finish, check_bytes, submit  # noqa: PLC0415

    path = work / "submission" / "oslo_open_data.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(NEGATIVE_SUBMISSION, encoding="utf-8")
    before = sha256_file(lab.published)
    intake = lab.home.demo_intake
    had = set(intake.accepted_dir.glob("*.parquet"))
    t0 = time.monotonic()
    today = submit(path, "0301", intake)  # refused now, and quarantined
    refused_by = sorted({i.rule for i in today.issues})
    legacy = check_bytes(path.read_bytes(), path.name, "0301")
    legacy.issues = [i for i in legacy.issues if i.rule != "value.out_of_range"]
    if legacy.rows is not None:  # the earlier validator had no range rule: the row was fine by it
        legacy.rows = legacy.rows.assign(row_ok=True)
    stored = _finish(intake, legacy, dt.datetime.now(dt.UTC))
    try:
        s = lab.refresh("demo")
    finally:  # take the bad value out again so later scenarios start from a clean store
        for p in set(intake.accepted_dir.glob("*.parquet")) - had:
            p.unlink()
        for p in (intake.inbox_dir / "0301").glob("*"):
            p.unlink()
    return Outcome("submission_breaks_mart", "stored submission (earlier validator): open_data = -5 for 0301",
                   "fails", "succeeded" if s.success else "failed",
                   "" if s.success else summary_reason(s, lab.home), sha256_file(lab.published) == before,
                   notes=f"today's validator: {today.status} ({', '.join(refused_by) or 'no finding'}); "
                         f"stored as under an earlier one: {stored.status}",
                   seconds=time.monotonic() - t0,
                   extra={"validator_refuses": today.status == "rejected" and "value.out_of_range" in refused_by,
                          "stored": stored.status == "accepted", "run_id": s.run_id})


def _dbt_running(pgid: int) -> bool:
    """Is a `dbt build` process running in this process group? (read from /proc; Linux)"""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid:
                continue
            cmd = (stat.parent / "cmdline").read_bytes().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue
        if any(c.endswith(b"dbt") for c in cmd) and b"build" in cmd:
            return True
    return False


def _wait_for_dbt(proc: subprocess.Popen, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if _dbt_running(proc.pid):
            return True
        time.sleep(0.2)
    return False


def sigkill_during_dbt(lab: Lab, work: Path) -> Outcome:
    """`kommune-sdg refresh` killed with SIGKILL (its whole process group, dbt included) while dbt builds."""
    before = sha256_file(lab.published)
    # new figures (incomes +2 %), so neither refresh is skipped as "unchanged since the last publish"
    snap = lab.copy_demo(work / "snapshot_v2")
    rewrite_table(snap, "06944", scale_values(1.02))
    source = f"snapshot:{snap}"
    env = lab.cli_env() | {"PYTHONUNBUFFERED": "1"}
    t0 = time.monotonic()
    log = work / "killed_refresh.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "refresh", "--source", source], cwd=REPO_ROOT,
                                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        in_dbt = _wait_for_dbt(proc, 900)
        if in_dbt:
            time.sleep(4.0)  # dbt is building seeds and models into the build database
            in_dbt = _dbt_running(proc.pid)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    killed_unchanged = sha256_file(lab.published) == before
    # a killed publish would leave this behind too: the next refresh must clear it without help
    stale = lab.home.warehouse_dir / f".{lab.home.published_db.name}.deadbeef.publishing"
    stale.write_bytes(b"half a database")
    s = lab.refresh(source)
    return Outcome("sigkill_during_dbt", "refresh process group SIGKILLed while dbt builds; next refresh as usual",
                   "recovers", "succeeded" if s.success else "failed",
                   ("next refresh published run " + s.run_id[:8]) if s.success else summary_reason(s, lab.home),
                   killed_unchanged, notes=f"killed during dbt: {in_dbt}; stale .publishing removed: "
                                           f"{not stale.exists()}",
                   seconds=time.monotonic() - t0,
                   extra={"killed_in_dbt": in_dbt, "stale_removed": not stale.exists(), "run_id": s.run_id})


PROCESS_FAULTS: dict[str, Scenario] = {
    "submission_breaks_mart": submission_breaks_mart,
    "sigkill_during_dbt": sigkill_during_dbt,
}

ALL_FAULTS: dict[str, Scenario] = {**SNAPSHOT_FAULTS, **SSB_FAULTS, **PROCESS_FAULTS, **DISK_FAULTS,
                                   **INTAKE_FAULTS}
