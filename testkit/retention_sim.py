"""A year of nightly refreshes at small scale, with the retention policy applied after each: disk use per night.

`python -m testkit.retention_sim [--nights 365] [--home DIR]` prints the curve (docs/benchmarks.md).

Real: one full demo refresh first (Dagster + dbt + DuckDB; it publishes, records the run in the ledger and
writes its quality report); the product's content-addressed snapshot store (`ObjectStore`, manifests
written with `write_manifest`); the submission intake (`submit` + `process_inbox`: an accepted file every
tenth night, a rejected one every twentieth); the home's persistent Dagster instance (run storage, event
log, deletion); the published-runs ledger (`record_publish`); the pruning (`pipeline.retention.prune`)
and its disk-use measurement.

Simulated: each night's Dagster run (a finished run record with an engine event added to the real run
storage: a real run costs minutes); the SSB fetch (each night one table's values change, written as a new
live snapshot that shares every unchanged object with the previous one); the nightly build and publish
(the ledger line, and a copy of the real run's quality report and drift stats under the night's run id;
the published warehouse and the exports are replaced in place, so they cannot grow); and the clock for
Dagster history (a night lasts a fraction of a second, so "30 days ago" is the moment night n-30 began:
prune gets that moment + 30 days as `now`; everything else is counted in published runs, not in days).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from pipeline.paths import Home
from pipeline.retention import RetentionPolicy, disk_use, prune, published_runs, record_publish
from pipeline.settings import Settings
from pipeline.snapshot import MANIFEST, open_snapshot, sha256_bytes, write_manifest
from pipeline.ssb.fetch import LIVE, ObjectStore
from testkit.faults.lab import scale_values

CHANGING_TABLE = "06944"
SUBMISSION = ("kommunenummer;indikator;år;verdi;enhet;kommentar\n"
              "{code};open_data;2024;{value};antall datasett;nightly simulation\n")
BAD_SUBMISSION = "kommunenummer;indikator;år;verdi;enhet;kommentar\n0301;open_data;1999;x;;bad\n"
SUBMIT_EVERY = 10  # nights between accepted submissions (a rejected one every second time)
MUNICIPALITIES = ("0301", "4601", "5001", "1103", "3201", "1804")


@dataclass
class Night:
    night: int
    total: int
    areas: dict[str, int]
    freed: int


@dataclass
class YearResult:
    nights: list[Night] = field(default_factory=list)
    freed_total: int = 0
    seconds: float = 0.0
    dagster_runs_deleted: int = 0


def _night_run(instance: dg.DagsterInstance, night: int) -> None:
    """A finished nightly_refresh run in the instance's run storage, with one event in its event log
    (a real run costs seconds; the storage and its deletion are what retention is about)."""
    run = instance.add_run(dg.DagsterRun(job_name="nightly_refresh", run_id=str(uuid.uuid4()),
                                         status=dg.DagsterRunStatus.SUCCESS,
                                         tags={"kommune_sdg/simulated_night": str(night)}))
    instance.report_engine_event(f"simulated night {night}: ingest, dbt build, checks and publish done", run)


def _live_snapshot(home: Home, base: Path, night: int, stamp: str) -> tuple[Path, str]:
    """A live snapshot like the incremental fetch writes: every file in the object store, one table changed."""
    store = ObjectStore(home.snapshots_dir)
    src = open_snapshot(base)
    manifest = json.loads((base / MANIFEST).read_text(encoding="utf-8"))
    manifest.update(kind="live", label=f"simulated night {night}", created_at=stamp)
    target = home.snapshots_dir / LIVE / stamp
    target.mkdir(parents=True)
    for table_id, entry in manifest["tables"].items():
        new_sha: dict[str, str] = {}
        for key in ("table_info", "metadata"):
            if entry.get(key):
                path, _ = store.put((base / entry[key]).read_bytes())
                entry[key] = _rel(path, target)
        data = []
        for rel in entry["data"]:
            payload = src.read_bytes(rel, table_id)
            if table_id == CHANGING_TABLE:
                doc = json.loads(payload)
                scale_values(1 + night / 10000)(doc)
                payload = json.dumps(doc).encode()
            path, sha = store.put(payload)
            data.append(_rel(path, target))
            new_sha[data[-1]] = sha
        entry["data"], entry["sha256"] = data, new_sha
    write_manifest(target, manifest)
    return target, sha256_bytes((target / MANIFEST).read_bytes())


def _rel(path: Path, start: Path) -> str:
    import os  # noqa: PLC0415

    return Path(os.path.relpath(path, start)).as_posix()


def _submit(home: Home, work: Path, night: int, text: str, code: str) -> list[str]:
    """Hand a file in through `submit` and the inbox run; the ids of what was accepted."""
    from pipeline.submissions.process import process_inbox, submit  # noqa: PLC0415

    f = work / f"night{night:03d}_{code}.csv"
    f.write_text(text, encoding="utf-8")
    submit(f, code, home)
    return [o.submission_id for o in process_inbox(home) if o.accepted]


def simulate_year(root: Path, nights: int = 365, policy: RetentionPolicy | None = None,
                  sample_every: int = 30, log=print) -> YearResult:
    from pipeline.refresh import instance_for, run_refresh  # noqa: PLC0415

    policy = policy or RetentionPolicy(keep_runs=7, history_days=30)
    t0 = time.monotonic()
    settings = Settings.for_home(root)
    home = settings.home.ensure()
    if not published_runs(home):
        log("night 0: a real demo refresh (publishes, writes the ledger and the quality report) ...")
        first = run_refresh(settings, "demo")
        if not first.success:
            raise RuntimeError(f"the real demo refresh failed: {first.failures or first.checks_failed}")
    first_run = published_runs(home)[-1]["run_id"]
    quality = home.warehouse_dir / "quality"
    # the real run's report and drift stats, held in memory: each night writes a copy under its own run id
    report_files = {p.suffix: p.read_bytes() for p in (quality / "runs").glob(f"{first_run}.*")}
    stats_path = quality / "stats" / f"{first_run}.json"
    stats = stats_path.read_bytes() if stats_path.exists() else None
    instance = instance_for(settings)
    result = YearResult()
    start = dt.datetime.now(dt.UTC)
    work = Path(tempfile.mkdtemp(prefix="ksdg_year_"))
    from pipeline.submissions.store import history  # noqa: PLC0415

    ids = set(history(home)["submission_id"])  # every accepted submission: what each build reads
    began: list[dt.datetime] = []  # the real time each night began: the simulated clock's ticks
    days = int(policy.history_days)
    try:
        for night in range(1, nights + 1):
            began.append(dt.datetime.now(dt.UTC))
            stamp = (start + dt.timedelta(days=night)).strftime("%Y%m%dT%H%M%SZ")
            _, snap_sha = _live_snapshot(home, home.demo_snapshot_dir, night, stamp)
            if night % SUBMIT_EVERY == 0:
                code = MUNICIPALITIES[(night // SUBMIT_EVERY) % len(MUNICIPALITIES)]
                ids.update(_submit(home, work, night, SUBMISSION.format(code=code, value=night % 50 + 1), code))
            if night % (2 * SUBMIT_EVERY) == 0:
                _submit(home, work, night, BAD_SUBMISSION, "0301")
            _night_run(instance, night)
            run_id = uuid.uuid4().hex
            record_publish(home.warehouse_dir, run_id, dt.datetime.now(dt.UTC), snap_sha, ids)
            for suffix, data in report_files.items():
                (quality / "runs" / f"{run_id}{suffix}").write_bytes(data)
            if stats is not None:
                (quality / "stats" / f"{run_id}.json").write_bytes(stats)
            # simulated clock: "history_days days ago" is when night (night - history_days) began
            clock = began[max(0, night - 1 - days)] + dt.timedelta(days=policy.history_days)
            report = prune(home, policy, instance, now=clock if night > days else began[0])
            result.freed_total += sum(report.freed.values())
            result.dagster_runs_deleted += report.dagster_runs_deleted
            if night in (1, nights) or night % sample_every == 0:
                use = disk_use(home, settings.dagster_home)
                result.nights.append(Night(night, sum(use.values()), use, result.freed_total))
                log(f"night {night:3d}: {sum(use.values()) / 1024 / 1024:7.2f} MiB on disk, "
                    f"{result.freed_total / 1024 / 1024:7.2f} MiB pruned so far, "
                    f"{len(published_runs(home))} runs in the ledger")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result.seconds = time.monotonic() - t0
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m testkit.retention_sim")
    parser.add_argument("--nights", type=int, default=365)
    parser.add_argument("--home", type=Path, default=None, help="a fresh folder (default: a temporary one)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ksdg_year_home_") as tmp:
        res = simulate_year(args.home or Path(tmp) / "home", args.nights)
    print("\n| night | on disk (MiB) | " + " | ".join(res.nights[-1].areas) + " | pruned so far (MiB) |")
    print("|---|---|" + "---|" * len(res.nights[-1].areas) + "---|")
    for n in res.nights:
        cells = " | ".join(f"{v / 1024 / 1024:.2f}" for v in n.areas.values())
        print(f"| {n.night} | {n.total / 1024 / 1024:.2f} | {cells} | {n.freed / 1024 / 1024:.2f} |")
    print(f"\n{res.seconds:.0f} s, {res.dagster_runs_deleted} Dagster runs deleted")
    return 0


if __name__ == "__main__":
    sys.exit(main())
