"""Inbox intake faults (pipeline/submissions/intake.py): a file still being copied in, and a flood of files
from one municipality. Real files in the lab's inbox, the real `process_inbox`; no refresh needed."""

from __future__ import annotations

import time
from pathlib import Path

from testkit.faults.lab import Lab, Outcome, sha256_file
from testkit.slow_writer import start_slow_write

ROWS = ["0301;open_data;{year};{v};antall datasett;fault test"]
HEADER = "kommunenummer;indikator;år;verdi;enhet;kommentar"


def _csv(n: int) -> bytes:
    lines = [HEADER] + [f"0301;open_data;{2000 + i % 24};{i + 1};antall datasett;fault test row {i}" for i in range(n)]
    return ("\r\n".join(lines[:1] + lines[1:25]) + "\r\n").encode("utf-8")


def inbox_half_written(lab: Lab, work: Path) -> Outcome:
    """A file copied into the inbox slowly (16 bytes every 50 ms) while the inbox is processed every 100 ms."""
    from pipeline.submissions.intake import IntakePolicy  # noqa: PLC0415
    from pipeline.submissions.process import process_inbox  # noqa: PLC0415

    before = sha256_file(lab.published)
    body = _csv(24)
    target = lab.home.inbox_dir / "0301" / "slow_copy.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    policy = IntakePolicy(settle_seconds=1.0)
    t0 = time.monotonic()

    t = start_slow_write(target, body)
    early, waits = [], []
    while t.is_alive():
        early += process_inbox(lab.home, policy, log=waits.append)
        time.sleep(0.1)
    t.join()
    time.sleep(1.1)
    [final] = process_inbox(lab.home, policy) or [None]
    ok = not early and final is not None and final.accepted and final.rows == 24
    _take_back(lab, final)
    return Outcome("inbox_half_written", f"{len(body)}-byte CSV copied in over {len(body) / 16 * 0.05:.0f} s; the "
                   "inbox processed every 0.1 s (settle period 1 s)", "waits, then taken whole",
                   "succeeded" if ok else "failed",
                   f"taken while being written: {len(early)}; waiting messages: {len(waits)} (e.g. "
                   f"{waits[0] if waits else 'none'}); afterwards: "
                   f"{final.summary_line() if final else 'nothing taken'}",
                   sha256_file(lab.published) == before, seconds=time.monotonic() - t0)


def _take_back(lab: Lab, outcome) -> None:
    """Remove an accepted test file from the store so later scenarios start from the same submissions."""
    if outcome is not None and outcome.accepted_path is not None:
        Path(outcome.accepted_path).unlink(missing_ok=True)


def inbox_daily_limit(lab: Lab, work: Path) -> Outcome:
    """Twelve files from one municipality in one day against a limit of 10 files."""
    from pipeline.submissions.intake import IntakePolicy  # noqa: PLC0415
    from pipeline.submissions.process import process_inbox  # noqa: PLC0415

    before = sha256_file(lab.published)
    folder = lab.home.inbox_dir / "4601"
    folder.mkdir(parents=True, exist_ok=True)
    old = time.time() - 3600
    import os  # noqa: PLC0415

    for i in range(12):
        p = folder / f"flood_{i:02d}.csv"
        p.write_bytes(_csv(1).replace(b"0301", b"4601").replace(b"row 0", f"row {i}".encode()))
        os.utime(p, (old + i, old + i))
    t0 = time.monotonic()
    outcomes = process_inbox(lab.home, IntakePolicy(max_files_per_day=10))
    over = [o for o in outcomes if any(i.rule == "inbox.daily_files_limit" for i in o.issues)]
    taken = [o for o in outcomes if o not in over]
    for o in taken:
        _take_back(lab, o)
    unread = all(o.archive_path is None and o.quarantine_dir and any(o.quarantine_dir.glob("unread_*"))
                 for o in over)
    ok = len(taken) == 10 and len(over) == 2 and unread and not list(folder.iterdir())
    return Outcome("inbox_daily_limit", "12 files from 4601 in one day, limit 10 files per municipality per day",
                   "over the limit quarantined unread", "succeeded" if ok else "failed",
                   f"{len(taken)} taken, {len(over)} quarantined unread: " + (over[0].issues[0].text() if over else ""),
                   sha256_file(lab.published) == before, seconds=time.monotonic() - t0,
                   extra={"taken": len(taken), "over": len(over), "unread": unread})


INTAKE_FAULTS = {"inbox_half_written": inbox_half_written, "inbox_daily_limit": inbox_daily_limit}
