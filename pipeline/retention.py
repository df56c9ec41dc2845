"""Retention: what storage is kept, what is pruned, and how much disk each area of the home uses.

Kept (policy: the last `keep_runs` published runs, `history_days` of Dagster run history):
- every published run's inputs, recorded at publish in `warehouse/published_runs.jsonl` (`record_publish`:
  run id, time, snapshot manifest sha256, the accepted submission ids it was built from); for the last
  `keep_runs` runs the snapshot they read stays, so their provenance stays resolvable (`provenance`);
- anything newer than the oldest kept run (a fetch or a submission not yet published), the newest live
  snapshot (the base of the next incremental fetch) and the demo snapshot;
- every accepted submission (the normalised Parquet and its archived original): that is the record of
  what municipalities reported, small, and every later build reads all of it (history), so it is data,
  not waste. Only rejected material ages out.
Pruned: live snapshot folders no kept run read, content-addressed objects no kept manifest names,
quarantine folders, rejected originals and their log lines from before the oldest kept run, per-run
quality reports and drift stats of runs that are not kept, stale queue markers, and Dagster runs (with
their event logs) older than `history_days`.

`prune` runs after every successful `kommune-sdg refresh` and as `kommune-sdg prune`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.paths import Home
from pipeline.snapshot import MANIFEST, SnapshotError, open_snapshot, sha256_bytes

LEDGER = "published_runs.jsonl"


@dataclass(frozen=True)
class RetentionPolicy:
    keep_runs: int = 7
    history_days: float = 30.0


@dataclass
class PruneReport:
    removed: dict[str, int] = field(default_factory=dict)  # area -> files/folders removed
    freed: dict[str, int] = field(default_factory=dict)  # area -> bytes freed
    kept_runs: list[str] = field(default_factory=list)
    dagster_runs_deleted: int = 0

    def add(self, area: str, path: Path) -> None:
        size = tree_size(path)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        self.removed[area] = self.removed.get(area, 0) + 1
        self.freed[area] = self.freed.get(area, 0) + size

    def lines(self) -> list[str]:
        out = [f"kept the inputs of {len(self.kept_runs)} published run(s)"]
        out += [f"  {area:<24} {n:>6} removed, {human(self.freed.get(area, 0)):>10} freed"
                for area, n in sorted(self.removed.items())]
        out.append(f"  dagster run history     {self.dagster_runs_deleted:>6} runs deleted")
        return out


def tree_size(path: Path) -> int:
    """Bytes allocated on disk under `path` (links not followed)."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        return 0
    if not path.is_dir() or path.is_symlink():
        return st.st_blocks * 512
    total = st.st_blocks * 512
    for root, dirs, files in os.walk(path, followlinks=False):
        for name in files + dirs:
            try:
                total += os.lstat(os.path.join(root, name)).st_blocks * 512
            except FileNotFoundError:
                continue
    return total


def human(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


# ---------------------------------------------------------------- the published-runs ledger

def ledger_path(warehouse_dir: Path) -> Path:
    return Path(warehouse_dir) / LEDGER


def record_publish(warehouse_dir: Path, run_id: str, published_at: dt.datetime, snapshot_sha256: str,
                   submission_ids: Iterable[str]) -> None:
    """Append what a published run was built from (called by the publish asset after the atomic replace)."""
    line = json.dumps({"run_id": run_id, "published_at": published_at.astimezone(dt.UTC).isoformat(),
                       "snapshot_sha256": snapshot_sha256, "submission_ids": sorted(set(submission_ids))})
    path = ledger_path(warehouse_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def published_runs(home: Home) -> list[dict[str, Any]]:
    """Every recorded published run, oldest first (a torn last line from a crash is skipped)."""
    path = ledger_path(home.warehouse_dir)
    if not path.exists():
        return []
    runs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            runs.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return runs


# ---------------------------------------------------------------- snapshots and provenance

def snapshot_dirs(home: Home) -> list[Path]:
    """Stored snapshot folders under the home (live/<stamp>/ and any other folder with a manifest)."""
    root = home.snapshots_dir
    if not root.is_dir():
        return []
    found = [p.parent for p in root.glob(f"*/{MANIFEST}")] + [p.parent for p in root.glob(f"*/*/{MANIFEST}")]
    return sorted(set(found))


def manifest_sha(snapshot_dir: Path) -> str | None:
    try:
        return sha256_bytes((snapshot_dir / MANIFEST).read_bytes())
    except OSError:
        return None


@dataclass
class Provenance:
    run_id: str
    snapshot_dir: Path | None
    accepted: list[Path]
    originals: list[Path]
    missing: list[str]


def provenance(home: Home, run: dict[str, Any]) -> Provenance:
    """Where a recorded run's inputs are now: its snapshot (by manifest hash, every file checked), its
    accepted submissions and their archived originals; `missing` names whatever cannot be found."""
    from pipeline.refresh_inputs import snapshot_fingerprint  # noqa: PLC0415
    from pipeline.submissions.store import accepted_dir, read_log  # noqa: PLC0415

    missing: list[str] = []
    snap_dir = next((d for d in snapshot_dirs(home) if manifest_sha(d) == run["snapshot_sha256"]), None)
    if snap_dir is None:
        missing.append(f"snapshot {run['snapshot_sha256'][:12]}")
    else:
        try:
            snapshot_fingerprint(open_snapshot(snap_dir))
        except SnapshotError as exc:
            missing.append(str(exc))
    shas = {r["submission_id"]: r.get("archive_path") for r in read_log(home) if r.get("status") == "accepted"}
    accepted, originals = [], []
    for sid in run["submission_ids"]:
        p = accepted_dir(home) / f"{sid}.parquet"
        (accepted if p.exists() else missing).append(p if p.exists() else f"accepted submission {sid}")
        original = shas.get(sid)
        if original and Path(original).exists():
            originals.append(Path(original))
        else:
            missing.append(f"archived original of {sid}")
    return Provenance(run["run_id"], snap_dir, accepted, originals, missing)


def _snapshot_files(snapshot_dir: Path) -> set[Path]:
    try:
        manifest = json.loads((snapshot_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    files: set[Path] = set()
    for entry in (manifest.get("tables") or {}).values():
        for key in ("table_info", "metadata"):
            if entry.get(key):
                files.add((snapshot_dir / entry[key]).resolve())
        files.update((snapshot_dir / rel).resolve() for rel in entry.get("data") or [])
    return files


def _mtime(path: Path) -> dt.datetime:
    return dt.datetime.fromtimestamp(path.lstat().st_mtime, dt.UTC)


def _id_time(submission_id: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(submission_id[:22], "%Y%m%dT%H%M%S%fZ").replace(tzinfo=dt.UTC)
    except ValueError:
        return None


# ---------------------------------------------------------------- prune

def prune(home: Home, policy: RetentionPolicy, instance: Any = None, now: dt.datetime | None = None) -> PruneReport:
    """Apply the policy to the home (and to the Dagster instance's run history when given)."""
    from pipeline.ssb.fetch import latest_snapshot  # noqa: PLC0415

    now = now or dt.datetime.now(dt.UTC)
    report = PruneReport()
    runs = published_runs(home)
    kept = runs[-policy.keep_runs:] if policy.keep_runs > 0 else []
    report.kept_runs = [r["run_id"] for r in kept]
    if instance is not None:
        report.dagster_runs_deleted = prune_run_history(instance, now - dt.timedelta(days=policy.history_days))
    if len(runs) < max(policy.keep_runs, 1):
        return report  # fewer published runs than the window: nothing is old enough yet
    cutoff = dt.datetime.fromisoformat(kept[0]["published_at"])
    kept_ids = {r["run_id"] for r in kept}

    # snapshots: keep what kept runs read, the newest live one, the demo, and anything newer than the cutoff
    kept_shas = {r["snapshot_sha256"] for r in kept}
    latest = latest_snapshot(home.snapshots_dir)
    keep_dirs = {home.demo_snapshot_dir.resolve()} | ({latest.root.resolve()} if latest else set())
    live_files: set[Path] = set()
    for d in snapshot_dirs(home):
        if d.resolve() in keep_dirs or manifest_sha(d) in kept_shas or _mtime(d / MANIFEST) >= cutoff:
            live_files |= _snapshot_files(d)
        else:
            report.add("snapshots", d)
    objects = home.snapshots_dir / "objects"
    if objects.is_dir():
        for f in objects.rglob("*"):
            if f.is_file() and f.resolve() not in live_files and _mtime(f) < cutoff:
                report.add("snapshot objects", f)

    # rejected material older than the cutoff: quarantine folders, their originals and log lines
    from pipeline.submissions import store  # noqa: PLC0415

    if home.quarantine_dir.is_dir():
        for q in home.quarantine_dir.iterdir():
            when = _id_time(q.name)
            if when is not None and when < cutoff:
                report.add("quarantine", q)
    log = store.read_log(home)
    accepted_shas = {r["content_sha256"] for r in log if r.get("status") == "accepted"}
    keep_lines, dropped = [], False
    for r in log:
        when = dt.datetime.fromisoformat(r["received_at"])
        if r.get("status") != "accepted" and when < cutoff:
            dropped = True
            continue
        keep_lines.append(r)
    recent_shas = {r["content_sha256"] for r in keep_lines}
    if home.archive_dir.is_dir():
        for a in home.archive_dir.iterdir():
            sha = a.name.split(".", 1)[0]
            if sha not in accepted_shas and sha not in recent_shas and _mtime(a) < cutoff:
                report.add("archive (rejected)", a)
    if dropped:
        with store.writer_lock(home):
            tmp = store.log_path(home).with_name(".log.jsonl.prune.tmp")
            tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in keep_lines), encoding="utf-8")
            os.replace(tmp, store.log_path(home))

    # per-run quality reports and drift stats of runs that are not kept
    quality = home.warehouse_dir / "quality"
    for sub in ("runs", "stats"):
        folder = quality / sub
        if folder.is_dir():
            for f in folder.iterdir():
                if f.name.split(".", 1)[0] not in kept_ids and _mtime(f) < cutoff:
                    report.add("quality reports", f)

    # queue markers whose file has left the inbox
    queued = home.submissions_dir / "queued"
    if queued.is_dir():
        for m in queued.glob("*.json"):
            try:
                rel = json.loads(m.read_text(encoding="utf-8"))["relative"]
            except (OSError, ValueError, KeyError):
                rel = None
            if rel is None or not (home.inbox_dir / rel).exists():
                report.add("queue markers", m)

    ledger = ledger_path(home.warehouse_dir)
    tmp = ledger.with_name(f".{LEDGER}.tmp")
    tmp.write_text("".join(json.dumps(r) + "\n" for r in kept), encoding="utf-8")
    os.replace(tmp, ledger)
    return report


def prune_run_history(instance: Any, before: dt.datetime) -> int:
    """Delete finished Dagster runs (and their event logs) created before `before`; returns how many.

    With the default SQLite storage every run has its own event-log file (`history/runs/<run_id>.db`), which
    `delete_run` empties but leaves behind: files of runs the instance no longer knows are removed too."""
    import dagster as dg  # noqa: PLC0415

    done = [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED]
    deleted = 0
    while records := instance.get_run_records(filters=dg.RunsFilter(created_before=before, statuses=done),
                                              limit=500):
        for rec in records:
            instance.delete_run(rec.dagster_run.run_id)
            deleted += 1
    shard = getattr(instance.event_log_storage, "path_for_shard", None)
    if shard is not None:
        folder = Path(shard("x")).parent
        for f in folder.glob("*.db"):
            run_id = f.name[: -len(".db")]
            if len(run_id) == 36 and run_id.count("-") == 4 and not instance.has_run(run_id):
                for part in (f, f.with_name(f.name + "-wal"), f.with_name(f.name + "-shm")):
                    part.unlink(missing_ok=True)
    return deleted


# ---------------------------------------------------------------- disk use

def areas(home: Home, dagster_home: Path) -> dict[str, list[Path]]:
    """The areas `kommune-sdg status` reports, each as the paths it sums."""
    wh = home.warehouse_dir
    snapshots = [p for p in home.snapshots_dir.glob("*") if p.name != "demo"] if home.snapshots_dir.is_dir() else []
    return {
        "snapshots (live + objects)": snapshots,
        "snapshots (demo)": [home.demo_snapshot_dir],
        "inbox": [home.inbox_dir],
        "submissions (accepted, log)": [home.submissions_dir],
        "submissions archive": [home.archive_dir],
        "submissions quarantine": [home.quarantine_dir],
        "warehouse (published)": [home.published_db, ledger_path(wh)],
        "warehouse (build)": [home.build_db.parent],
        "quality reports": [wh / "quality"],
        "reports": [home.reports_dir],
        "exports": [home.exports_dir],
        "dagster history": [dagster_home],
    }


def disk_use(home: Home, dagster_home: Path) -> dict[str, int]:
    return {area: sum(tree_size(p) for p in paths) for area, paths in areas(home, dagster_home).items()}
