"""The two entry points: `process_inbox(home)` (what the Dagster asset runs) and `submit(path, code, home)`.

`home` is an intake (`pipeline.paths.Intake`): the real one (a `Home`) or the demo's (`home.demo_intake`);
what it accepts lands in that intake's own store, labelled with its origin. The real intake rejects the
bundled demo file outright, so demo numbers cannot enter the real store through the inbox.

Policy: a file is accepted whole or rejected whole. One bad row rejects the file, because a partial
load would leave the municipality's reporting silently incomplete and a resubmission would then mix
old and new rows; the coordinator gets every error at once and sends the corrected file again.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.paths import Intake
from pipeline.submissions import inbox as inbox_fs
from pipeline.submissions import intake, store
from pipeline.submissions.catalog import IndicatorIndex, indicator_index, municipality_codes
from pipeline.submissions.inbox import EntryRefused, InboxEntry
from pipeline.submissions.issues import FileRejected, Issue, issue
from pipeline.submissions.reading import RawTable, read_submission
from pipeline.submissions.rules import PendingValue, pending_values, validate_table
from pipeline.submissions.safety import file_extension, sanitise_filename
from pipeline.submissions.store import Outcome


@dataclass
class Checked:
    """One file read and validated, before any outcome is written."""

    file: str
    municipality: str
    data: bytes
    sha: str
    table: RawTable | None
    rows: pd.DataFrame | None
    issues: list[Issue]


def inbox_files(home: Intake) -> list[Path]:
    """Pending regular files (inbox/<folder>/<file> and stray files at the root), oldest first."""
    return [e.path for e in inbox_fs.candidates(home.inbox_dir)]


def check_bytes(data: bytes, file: str, municipality: str, index: IndicatorIndex | None = None,
                pending: dict[tuple[str, str, int], PendingValue] | None = None) -> Checked:
    """Read and validate one file's bytes for `municipality` (the inbox folder's code)."""
    index = index or indicator_index()
    sha = store.sha256(data)
    if municipality not in municipality_codes():
        return Checked(file, municipality, data, sha, None, None, [issue("inbox.folder", file, value=municipality)])
    try:
        table = read_submission(data, file)
    except FileRejected as e:
        return Checked(file, municipality, data, sha, None, None, e.issues)
    rows, issues = validate_table(table, municipality, index, pending)
    return Checked(file, municipality, data, sha, table, rows, issues)


def _keep_demo_out(home: Intake, c: Checked, demo_sha: str) -> Checked:
    """The bundled demo file handed to the real intake is rejected, whatever its name."""
    if home.origin == "real" and c.sha == demo_sha:
        c.issues = [issue("inbox.demo_file", c.file, value=c.file), *c.issues]
    return c


def _demo_sha() -> str:
    from pipeline.demo.submission import demo_submission_bytes  # noqa: PLC0415 (the demo imports this module)

    return store.sha256(demo_submission_bytes())


def process_inbox(home: Intake, policy: intake.IntakePolicy | None = None,
                  log: Callable[[str], None] | None = None) -> list[Outcome]:
    """Validate every settled inbox file of one intake (real or demo), then accept or quarantine each; only
    files still settling (and said so through `log`) stay in the inbox. `policy`: settle period and daily
    limits (pipeline.submissions.intake).

    Files are checked together first so a key with different values in two pending files is caught
    (both are rejected: we cannot know which number is right).
    """
    index = indicator_index()
    demo_sha = _demo_sha()
    outcomes: list[Outcome] = []
    with store.writer_lock(home):
        checked: list[tuple[InboxEntry, Checked]] = []
        refused: list[tuple[InboxEntry, Issue]] = []
        admission = intake.admit(home, inbox_fs.scan(home.inbox_dir), policy or intake.IntakePolicy(), log=log)
        for entry, rule, limit in admission.over_limit:
            refused.append((entry, issue(rule, entry.display, value=entry.display, limit=limit)))
        for entry in admission.ready:
            if entry.refused is not None:
                refused.append((entry, _refusal_issue(entry, entry.refused, entry.kind)))
                continue
            try:
                data = inbox_fs.read(entry)
            except EntryRefused as e:  # swapped for a link (or worse) since the listing
                refused.append((entry, _refusal_issue(entry, e.rule, e.kind)))
                continue
            except FileNotFoundError:  # taken by another process since the listing
                continue
            if len(data) != entry.size:  # still being written: it waits for the next scan
                if log:
                    log(f"{entry.display}: {len(data)} bytes now, {entry.size} when listed; waits until settled")
                continue
            checked.append((entry, _keep_demo_out(home, check_bytes(data, entry.name, entry.folder, index),
                                                   demo_sha)))
        # Only files that pass every other rule take part: a file that is rejected anyway must not take a
        # good file down with it.
        clean = [c for _, c in checked if c.rows is not None and not c.issues]
        per_file = {id(c): pending_values(c.file, c.rows) for c in clean}
        for c in clean:
            others: dict[tuple[str, str, int], PendingValue] = {}
            for o in clean:
                if o is not c:
                    for k, v in per_file[id(o)].items():
                        others.setdefault(k, v)
            if others and c.table is not None:
                _, c.issues = validate_table(c.table, c.municipality, index, others)
        now = dt.datetime.now(dt.UTC)
        for n, (entry, c) in enumerate(checked):
            received = now + dt.timedelta(microseconds=n)  # keeps ids ordered within a batch
            outcome = _finish(home, c, received)
            inbox_fs.remove(entry, home.quarantine_dir / outcome.submission_id)
            intake.forget(home, entry)
            outcomes.append(outcome)
        for n, (entry, found) in enumerate(refused, start=len(checked)):
            outcomes.append(_refuse(home, entry, found, now + dt.timedelta(microseconds=n)))
    return outcomes


def _refusal_issue(entry: InboxEntry, rule: str, kind: str) -> Issue:
    detail = inbox_fs.name_problem(entry.name) or ""
    return issue(rule, entry.display, value=entry.display, kind=kind, detail=detail)


def _refuse(home: Intake, entry: InboxEntry, found: Issue, received: dt.datetime) -> Outcome:
    """Record a refused entry without reading it: a quarantine report with no copy, no archive, no bytes.

    The submission id hashes the entry's name (there is no content to hash).
    """
    name_sha = store.sha256(("refused:" + entry.relative).encode("utf-8", "surrogateescape"))
    folder = entry.folder if entry.folder != inbox_fs.ROOT_FOLDER else "(inbox)"
    outcome = Outcome(status="rejected", file=inbox_fs.printable(entry.name), municipality=folder,
                      submission_id=store.new_submission_id(received, name_sha), content_sha256="",
                      received_at=received, origin=home.origin, issues=[found], stage="quarantine")
    outcome.quarantine_dir = store.write_quarantine(home, outcome, None)
    if found.rule in (intake.DAILY_FILES, intake.DAILY_BYTES):  # kept, unread, for the coordinator
        intake.move_aside(entry, outcome.quarantine_dir)
    else:
        inbox_fs.remove(entry, outcome.quarantine_dir)
    intake.forget(home, entry)
    store.append_log(home, outcome)
    return outcome


def _finish(home: Intake, c: Checked, received: dt.datetime, stage: str = "stored") -> Outcome:
    """Archive, then store (accepted) or quarantine (rejected), then log."""
    outcome = Outcome(status="rejected" if c.issues else "accepted", file=sanitise_filename(c.file),
                      municipality=c.municipality, submission_id=store.new_submission_id(received, c.sha),
                      content_sha256=c.sha, received_at=received, origin=home.origin, issues=list(c.issues),
                      format=c.table.format if c.table else None, encoding=c.table.encoding if c.table else None,
                      notes=list(c.table.notes) if c.table else [])
    outcome.archive_path = store.archive(home, c.data, file_extension(c.file) or "bin", c.sha)
    if outcome.accepted:
        assert c.rows is not None
        rows = c.rows[c.rows["row_ok"]]
        outcome.rows = len(rows)
        if stage == "stored":
            outcome.superseded = _count_superseded(home, rows)
            outcome.accepted_path = store.write_accepted(home, outcome, rows)
        outcome.stage = stage
    else:
        outcome.stage = "quarantine"
        outcome.quarantine_dir = store.write_quarantine(home, outcome, c.data)
    if stage == "stored" or not outcome.accepted:
        store.append_log(home, outcome)
    return outcome


def _count_superseded(home: Intake, rows: pd.DataFrame) -> int:
    current = store.current_values(home)
    if current.empty:
        return 0
    old = set(zip(current["municipality_code"], current["indicator_id"], current["year"].astype(int), strict=True))
    new = set(zip(rows["municipality_code"], rows["indicator_id"], rows["year"].astype(int), strict=True))
    return len(old & new)


def submit(path: Path | str, municipality: str, home: Intake) -> Outcome:
    """Validate a file at once for `municipality`; when valid, queue it in inbox/<code>/ for the sensor.

    A rejected file is quarantined (with its error report), archived and logged right away.
    """
    path = Path(path)
    code = municipality.strip()
    if code.isdigit() and len(code) == 3:
        code = code.zfill(4)
    data = path.read_bytes()
    index = indicator_index()
    with store.writer_lock(home):
        inbox = home.inbox_dir / code
        pending: dict[tuple[str, str, int], PendingValue] = {}
        for entry in inbox_fs.candidates(home.inbox_dir):
            if entry.folder != code:
                continue
            try:
                other = check_bytes(inbox_fs.read(entry), entry.name, code, index)
            except (EntryRefused, FileNotFoundError):
                continue  # the inbox run reports it
            if other.rows is not None and not other.issues:
                for k, v in pending_values(entry.name, other.rows).items():
                    pending.setdefault(k, v)
        c = _keep_demo_out(home, check_bytes(data, path.name, code, index, pending), _demo_sha())
        received = dt.datetime.now(dt.UTC)
        outcome = _finish(home, c, received, stage="inbox")
        if outcome.accepted:
            outcome.inbox_path = _queue(inbox, path.name, data, c.sha)
            intake.mark_queued(home, outcome.inbox_path)  # complete on arrival: no settle wait
    return outcome


def _queue(inbox: Path, name: str, data: bytes, sha: str) -> Path:
    """Write into the inbox under a sanitised name, atomically (the sensor never sees a half-written file)."""
    inbox.mkdir(parents=True, exist_ok=True)
    safe = sanitise_filename(name)
    target = inbox / safe
    if target.exists() and store.sha256(target.read_bytes()) != sha:
        stem, dot, ext = safe.rpartition(".")
        target = inbox / (f"{stem}_{sha[:8]}.{ext}" if dot else f"{safe}_{sha[:8]}")
    tmp = inbox / f".{target.name}.{os.getpid()}.tmp"
    tmp.write_bytes(data)
    os.replace(tmp, target)
    return target
