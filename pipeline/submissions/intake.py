"""When an inbox file may be taken: once it is complete (settled) and within its municipality's daily limits.

Settled: a file dropped by a person or a copy tool is taken only when its modification time is at least
`settle_seconds` old (a file still being written keeps getting a fresh mtime), and the bytes read have the
size the listing saw (a file that grew since the listing waits for the next scan). Until then it *waits*
in the inbox: no outcome, no log line, and the sensor does not request a run for it.

Exempt from the settle period: files the product queues itself (`kommune-sdg submit`, the demo
submission). They are written to a hidden temp name and renamed into place, so they are complete the
moment they appear. `mark_queued` records each one *outside* the inbox (`submissions/queued/`, keyed by
the inbox-relative path, holding the size, mtime and inode it was renamed in with); an entry whose
lstat still matches its marker is taken at once. Someone who can write only to an inbox folder cannot
forge a marker, and a marker never lets a file skip validation, only the wait.

Daily limits per municipality (UTC day): at most `max_files_per_day` files and `max_bytes_per_day`
bytes taken (accepted or rejected, counted from the submissions log and the archived originals). A file
that would go over a limit is quarantined *unread* (moved, never copied or archived) with a message
naming the limit, so a flood of files costs neither parsing nor storage; the coordinator sends it again
the next day.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.paths import Intake
from pipeline.submissions.inbox import ROOT_FOLDER, InboxEntry

DAILY_FILES = "inbox.daily_files_limit"
DAILY_BYTES = "inbox.daily_bytes_limit"


@dataclass(frozen=True)
class IntakePolicy:
    """The settle period and the daily limits (from Settings through the `intake` resource)."""

    settle_seconds: float = 30.0
    max_files_per_day: int = 50
    max_bytes_per_day: int = 50 * 1024 * 1024


@dataclass
class Admission:
    """One inbox listing sorted by what may happen to each entry now."""

    ready: list[InboxEntry] = field(default_factory=list)  # take now (refused entries included: never read)
    waiting: list[tuple[InboxEntry, str]] = field(default_factory=list)  # (entry, why it waits)
    over_limit: list[tuple[InboxEntry, str, str]] = field(default_factory=list)  # (entry, rule, limit text)


def _marker(home: Intake, relative: str) -> Path:
    key = hashlib.sha256(relative.encode("utf-8", "surrogateescape")).hexdigest()[:40]
    return home.submissions_dir / "queued" / f"{key}.json"


def mark_queued(home: Intake, path: Path) -> None:
    """Record a file the product has just renamed into the inbox (complete): it skips the settle period."""
    st = os.lstat(path)
    relative = path.relative_to(home.inbox_dir).as_posix()
    marker = _marker(home, relative)
    marker.parent.mkdir(parents=True, exist_ok=True)
    tmp = marker.with_name(f".{marker.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"relative": relative, "size": st.st_size, "mtime_ns": st.st_mtime_ns,
                               "ino": st.st_ino}), encoding="utf-8")
    os.replace(tmp, marker)


def is_queued(home: Intake, entry: InboxEntry) -> bool:
    """Whether the entry is, unchanged, a file the product queued (see mark_queued)."""
    try:
        mark = json.loads(_marker(home, entry.relative).read_text(encoding="utf-8"))
        ino = os.lstat(entry.path).st_ino
    except (OSError, ValueError):
        return False
    return (mark.get("relative"), mark.get("size"), mark.get("mtime_ns"), mark.get("ino")) == (
        entry.relative, entry.size, entry.mtime_ns, ino)


def forget(home: Intake, entry: InboxEntry) -> None:
    """Drop the entry's queue marker once it has an outcome."""
    _marker(home, entry.relative).unlink(missing_ok=True)


def move_aside(entry: InboxEntry, qdir: Path) -> Path:
    """Move an over-limit file, unread, into its quarantine folder (a rename: no bytes copied)."""
    from pipeline.submissions.safety import sanitise_filename  # noqa: PLC0415

    qdir.mkdir(parents=True, exist_ok=True)
    target = qdir / ("unread_" + sanitise_filename(entry.name))
    with contextlib.suppress(FileNotFoundError):  # taken by another process since the listing
        os.rename(entry.path, target)
    return target


def settle_wait(entry: InboxEntry, policy: IntakePolicy, now: dt.datetime) -> str | None:
    """Why the entry must wait for the settle period, or None when it is settled."""
    age = now.timestamp() - entry.mtime_ns / 1e9
    if age >= policy.settle_seconds:
        return None
    if age < 0:
        return (f"{entry.display}: modified in the future ({-age:.0f} s ahead of this clock); waits until "
                f"unchanged for the settle period of {policy.settle_seconds:g} s")
    return (f"{entry.display}: changed {age:.0f} s ago, {entry.size} bytes; waits until unchanged for the "
            f"settle period of {policy.settle_seconds:g} s (KOMMUNE_SDG_INBOX_SETTLE_SECONDS)")


def usage_today(home: Intake, now: dt.datetime) -> dict[str, tuple[int, int]]:
    """municipality -> (files, bytes) taken today (UTC), from the submissions log and archived originals.

    Refused and over-limit entries (never read, no content hash) do not count."""
    log = home.submissions_dir / "log.jsonl"
    if not log.exists():
        return {}
    day = now.astimezone(dt.UTC).date().isoformat()
    used: dict[str, tuple[int, int]] = {}
    with log.open(encoding="utf-8") as fh:
        for line in fh:
            if day not in line:  # cheap filter before parsing: most lines are from other days
                continue
            rec = json.loads(line)
            if not rec.get("content_sha256") or not str(rec.get("received_at", "")).startswith(day):
                continue
            size = 0
            if rec.get("archive_path"):
                try:
                    size = os.stat(rec["archive_path"]).st_size
                except OSError:
                    size = 0
            files, total = used.get(rec["municipality_code"], (0, 0))
            used[rec["municipality_code"]] = (files + 1, total + size)
    return used


def admit(home: Intake, entries: list[InboxEntry], policy: IntakePolicy, now: dt.datetime | None = None,
          log: Callable[[str], None] | None = None) -> Admission:
    """Sort a listing (oldest first) into ready, waiting and over-limit entries."""
    now = now or dt.datetime.now(dt.UTC)
    used = usage_today(home, now)
    out = Admission()
    for e in entries:
        if e.refused is not None:  # refused entries are never read: they get their outcome at once
            out.ready.append(e)
            continue
        if not is_queued(home, e):
            why = settle_wait(e, policy, now)
            if why is not None:
                out.waiting.append((e, why))
                if log:
                    log(why)
                continue
        folder = e.folder if e.folder != ROOT_FOLDER else ""
        files, total = used.get(folder, (0, 0))
        if files + 1 > policy.max_files_per_day:
            out.over_limit.append((e, DAILY_FILES, f"{policy.max_files_per_day} files per municipality per day "
                                                   f"(KOMMUNE_SDG_INBOX_MAX_FILES_PER_DAY; {files} taken today)"))
            continue
        if total + e.size > policy.max_bytes_per_day:
            out.over_limit.append((e, DAILY_BYTES, f"{policy.max_bytes_per_day} bytes per municipality per day "
                                                   f"(KOMMUNE_SDG_INBOX_MAX_BYTES_PER_DAY; {total} taken today, "
                                                   f"this file {e.size})"))
            continue
        used[folder] = (files + 1, total + e.size)
        out.ready.append(e)
    return out
