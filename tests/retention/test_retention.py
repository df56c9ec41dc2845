"""Retention: a year of nightly refreshes levels off on disk, what a kept run refers to stays resolvable,
Dagster run history is pruned by age, and `kommune-sdg status` shows disk use per area.

The year: one real demo refresh (Dagster + dbt + DuckDB, publish: a copy of the run's shared one), then 365
simulated nights through the product's own snapshot store, submission intake, ledger and pruning
(testkit/retention_sim.py says what is simulated). About a minute.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from pipeline.paths import REPO_ROOT, Home
from pipeline.refresh import instance_for
from pipeline.retention import (
    RetentionPolicy,
    disk_use,
    provenance,
    prune,
    prune_run_history,
    published_runs,
    record_publish,
)
from pipeline.settings import Settings
from testkit.retention_sim import YearResult, simulate_year
from testkit.shared_demo import PublishedDemo, copy_home

GROWING = ("snapshots (live + objects)", "submissions archive", "submissions quarantine", "quality reports",
           "dagster history")


@pytest.fixture(scope="module")
def year(published_demo: PublishedDemo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Home, YearResult]]:
    # in RAM when the machine has /dev/shm: 365 nights of small fsyncs cost minutes on a busy disk, and disk
    # use is counted in allocated blocks either way
    shm = Path("/dev/shm")
    base = Path(tempfile.mkdtemp(prefix="ksdg_year_", dir=shm)) if shm.is_dir() else tmp_path_factory.mktemp("year")
    root = base / "home"
    # night 0 is the run's shared real demo refresh, in a copy of its home (simulate_year finds it published)
    copy_home(published_demo, root)
    policy = RetentionPolicy(keep_runs=7, history_days=30)
    yield Home(root), simulate_year(root, nights=365, policy=policy, sample_every=30, log=lambda m: None)
    shutil.rmtree(base, ignore_errors=True)


def test_a_year_of_nightly_refreshes_levels_off(year: tuple[Home, YearResult]) -> None:
    home, res = year
    by_night = {n.night: n for n in res.nights}
    settled, end = by_night[90], by_night[365]
    # what retention governs stays flat from the third month on (within 10 %) ...
    governed = {n: sum(by_night[n].areas[a] for a in GROWING) for n in (30, 90, 180, 365)}
    assert governed[365] <= governed[90] * 1.10, governed
    # ... while without it the year would have kept several times as much
    assert res.freed_total > 3 * sum(end.areas[a] for a in GROWING), (res.freed_total, end.areas)
    # the whole home grows only by the accepted submissions (the record, kept by design): a few KiB a week
    weeks = (365 - 90) // 7
    assert end.total - settled.total < weeks * 64 * 1024 + governed[90] * 0.10, (settled.total, end.total)
    assert res.dagster_runs_deleted >= 365 - 31


def test_kept_runs_stay_resolvable(year: tuple[Home, YearResult]) -> None:
    home, _ = year
    runs = published_runs(home)
    assert len(runs) == 7
    for run in runs:
        found = provenance(home, run)
        assert found.missing == [], (run["run_id"], found.missing)
        assert found.snapshot_dir is not None and found.accepted and found.originals
    live = sorted((home.snapshots_dir / "live").iterdir())
    assert len(live) <= 8, len(live)  # the kept runs' snapshots (+ the newest live one)


def _snapshot(home: Home, name: str, payload: bytes) -> tuple[Path, str]:
    from pipeline.snapshot import sha256_bytes, write_manifest

    d = home.snapshots_dir / "live" / name
    (d / "t").mkdir(parents=True)
    (d / "t" / "data.json").write_bytes(payload)
    write_manifest(d, {"format": 1, "kind": "live", "tables": {"1": {
        "data": ["t/data.json"], "sha256": {"t/data.json": sha256_bytes(payload)}}}})
    return d, sha256_bytes((d / "manifest.json").read_bytes())


def test_prune_keeps_the_snapshots_of_the_last_runs_only(tmp_path: Path) -> None:
    home = Home(tmp_path / "home").ensure()
    made = [_snapshot(home, f"2026010{i}T000000Z", f'{{"v": {i}}}'.encode()) for i in range(1, 5)]
    old = dt.datetime.now(dt.UTC).timestamp() - 3600
    for d, _ in made:
        for f in (d, d / "manifest.json", d / "t" / "data.json"):
            os.utime(f, (old, old))
    for i, (_, sha) in enumerate(made[:3]):
        record_publish(home.warehouse_dir, f"run{i}", dt.datetime.now(dt.UTC), sha, [])
    report = prune(home, RetentionPolicy(keep_runs=2))
    left = sorted(p.name for p in (home.snapshots_dir / "live").iterdir())
    # run0's snapshot goes; run1's and run2's stay; the newest (not yet published) stays too
    assert left == ["20260102T000000Z", "20260103T000000Z", "20260104T000000Z"], left
    assert report.removed == {"snapshots": 1} and report.kept_runs == ["run1", "run2"]
    assert [r["run_id"] for r in published_runs(home)] == ["run1", "run2"]
    assert all(not provenance(home, r).missing for r in published_runs(home))


def test_run_history_is_pruned_by_age(tmp_path: Path) -> None:
    settings = Settings.for_home(tmp_path / "home")
    instance = instance_for(settings)
    done = instance.add_run(dg.DagsterRun(job_name="nightly_refresh", run_id=str(uuid.uuid4()),
                                          status=dg.DagsterRunStatus.SUCCESS))
    instance.report_engine_event("a step finished", done)
    assert Path(instance.event_log_storage.path_for_shard(done.run_id)).exists()
    running = instance.add_run(dg.DagsterRun(job_name="nightly_refresh", run_id=str(uuid.uuid4()),
                                             status=dg.DagsterRunStatus.STARTED))
    assert prune_run_history(instance, dt.datetime.now(dt.UTC) - dt.timedelta(days=30)) == 0  # both are new
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=31)  # a month on, the finished run is too old
    assert prune_run_history(instance, later - dt.timedelta(days=30)) == 1
    assert instance.get_run_by_id(done.run_id) is None and instance.get_run_by_id(running.run_id) is not None
    shard = Path(instance.event_log_storage.path_for_shard(done.run_id))
    assert not shard.exists()  # its event-log file went too (delete_run alone leaves it behind)


def test_status_shows_disk_use_per_area(tmp_path: Path) -> None:
    settings = Settings.for_home(tmp_path / "home")
    home = settings.home.ensure()
    (home.archive_dir / "x.csv").write_bytes(b"x" * 50_000)
    out = subprocess.run([sys.executable, "-m", "pipeline.cli", "status"], cwd=REPO_ROOT, capture_output=True,
                         text=True, env=os.environ | settings.environ(), timeout=300)
    assert out.returncode == 0, out.stderr
    for area in disk_use(home, settings.dagster_home):
        assert area in out.stdout, out.stdout
    line = next(x for x in out.stdout.splitlines() if "submissions archive" in x)
    assert "KiB" in line and float(line.split()[-2]) >= 48, line
    assert "inputs of the last 7 published runs" in out.stdout
    assert json.loads(json.dumps(disk_use(home, settings.dagster_home)))  # plain numbers
